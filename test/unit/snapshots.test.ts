// Generated files are reviewed like code: per role, a sorted manifest of the rendered tree
// (mode, owner, size, sha256, path) and file snapshots of every rendered unit and script.
// After an intended change: npx vitest run --project unit test/unit/snapshots.test.ts -u, then review the diff.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { loadCatalog } from '../../build/infra/catalog.ts';
import { planImage } from '../../build/plan/plan.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { renderRole } from '../../build/render/role.ts';
import { defaultFleet, REPO } from '../helpers.ts';

const config = resolveConfig(defaultFleet);
const catalog = loadCatalog(REPO);
const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

describe.each(['cn00', 'cn01'])('rendered tree of %s', (role) => {
  const { files, tree } = renderRole(catalog, config, planImage(config, role), FAKE_SECRETS);

  it('matches the device-file manifest', async () => {
    const lines = files.map((f) => `${f.mode.toString(8).padStart(4, '0')} ${f.owner}:${f.group} ${String(Buffer.byteLength(f.content)).padStart(6)} ${sha(f.content)} ${f.path}`);
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot(`__snapshots__/${role}/device-files.txt`);
  });

  it('matches the pi-gen stage manifest', async () => {
    const lines = [...tree].filter(([k]) => !k.includes('/files/')).map(([k, v]) => `${v.mode.toString(8).padStart(4, '0')} ${String(Buffer.byteLength(v.content)).padStart(6)} ${sha(v.content)} ${k}`);
    await expect(`${lines.join('\n')}\n`).toMatchFileSnapshot(`__snapshots__/${role}/stage-tree.txt`);
  });

  it('matches the file snapshots of its units, scripts and stage scripts', async () => {
    const units = files.filter((f) => /\.(service|timer)$/.test(f.path) || f.path.includes('.service.d/'));
    for (const f of units) await expect(f.content).toMatchFileSnapshot(`__snapshots__/${role}/units${f.path.replace(/^\/etc\/systemd\/system/, '')}`);
    for (const k of ['stage-okome/01-overlay/00-run.sh', 'stage-okome/02-system/00-run-chroot.sh', 'stage-okome/00-packages/00-packages-nr']) {
      await expect(tree.get(k)!.content).toMatchFileSnapshot(`__snapshots__/${role}/${k}`);
    }
  });
});
