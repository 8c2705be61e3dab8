// docs/configuration.md is generated from the schema (build/config/docs.ts); the committed file
// must be exactly what the generator prints, and every field must carry a description.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listConfigSections, renderConfigDocs } from '../../build/config/docs.ts';
import { FleetSchema } from '../../build/config/schema.ts';
import { REPO } from '../helpers.ts';

describe('configuration reference', () => {
  it('docs/configuration.md is the generated text (regenerate: npx tsx build/config/docs.ts > docs/configuration.md)', () => {
    expect(readFileSync(join(REPO, 'docs/configuration.md'), 'utf8')).toBe(renderConfigDocs());
  });

  it('every field has a description', () => {
    const undocumented = listConfigSections().flatMap((s) => s.fields).filter((f) => !f.description.trim()).map((f) => f.path);
    expect(undocumented).toEqual([]);
  });

  it('lists every top-level field and both role kinds', () => {
    const fields = listConfigSections().flatMap((s) => s.fields.map((f) => f.path));
    for (const key of Object.keys(FleetSchema.shape)) expect(fields).toContain(key);
    const titles = listConfigSections().map((s) => s.title);
    expect(titles).toContain('`roles.<name>` (kind "frontend")');
    expect(titles).toContain('`roles.<name>` (kind "backend")');
    expect(titles).toContain('`fstab.tmpfs[]`');
  });

  it('shows types and defaults as an operator reads them', () => {
    const rows = new Map(listConfigSections().flatMap((s) => s.fields).map((f) => [f.path, f]));
    expect(rows.get('network.prefix')).toMatchObject({ type: 'integer 8–30', default: '`24`' });
    expect(rows.get('network.gateway')).toMatchObject({ type: 'IPv4 address', default: '`"192.168.86.1"`' });
    expect(rows.get('boot.wifi')).toMatchObject({ type: 'boolean', default: '`false`' });
    expect(rows.get('base')).toMatchObject({ type: '"debian" \\| "raspios"', default: '`"debian"`' });
    expect(rows.get('journald')).toMatchObject({ type: 'object', default: 'see below' });
    expect(rows.get('vip')).toMatchObject({ default: 'not set' });
    expect(rows.get('roles.<name>.address')).toMatchObject({ type: 'IPv4 address', default: 'required' });
    expect(rows.get('fstab.tmpfs[].size')).toMatchObject({ type: 'size (like 64m, 1g)', default: 'required' });
  });
});
