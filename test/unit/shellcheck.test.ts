// shellcheck is a test: every script under scripts/, and every rendered file of both roles
// (overlay files and the pi-gen stage tree) that is shell by its shebang or its .sh name.
// Rendered files are written to a temp dir first, so shellcheck sees exactly what ships.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { loadCatalog } from '../../build/infra/catalog.ts';
import { planImage } from '../../build/plan/plan.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { renderRole } from '../../build/render/role.ts';
import { REPO, defaultFleet } from '../helpers.ts';

const SHELLCHECK = ['/usr/bin/shellcheck', '/usr/local/bin/shellcheck'].find((p) => existsSync(p));
const TMP = mkdtempSync(join(tmpdir(), 'okome-shellcheck-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SHEBANG = /^#!\s*\/(usr\/)?bin\/(env\s+)?(ba)?sh\b/;

/** Is this text shell we ship? By shebang, or by a .sh name. */
export function isShell(path: string, content: string): boolean {
  return SHEBANG.test(content) || path.endsWith('.sh');
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  }).sort();
}

async function shellcheck(file: string, content: string): Promise<string> {
  // pi-gen feeds *-run-chroot.sh to bash without a shebang; say so instead of failing on SC2148.
  const shell = SHEBANG.test(content) ? [] : ['--shell=bash'];
  const r = await execa(SHELLCHECK!, ['-x', ...shell, '--format=gcc', file], { reject: false, cwd: dirname(file) });
  return r.exitCode === 0 ? '' : `${r.stdout}${r.stderr}`.trim();
}

function renderedShell(role: string): [string, string][] {
  const config = resolveConfig(defaultFleet);
  const { files, tree } = renderRole(loadCatalog(REPO), config, planImage(config, role), FAKE_SECRETS);
  const out: [string, string][] = [];
  for (const f of files) if (isShell(f.path, f.content)) out.push([`overlay${f.path}`, f.content]);
  for (const [p, e] of tree) if (isShell(p, e.content)) out.push([`stage/${p}`, e.content]);
  return out;
}

/** Every shell text we ship, once per distinct content, with every place it appears. */
function allShell(): { places: string[]; content: string; file?: string }[] {
  const byContent = new Map<string, { places: string[]; content: string; file?: string }>();
  const add = (place: string, content: string, file?: string) => {
    const seen = byContent.get(content);
    if (seen) seen.places.push(place);
    else byContent.set(content, { places: [place], content, file });
  };
  for (const p of walk(join(REPO, 'scripts'))) add(relative(REPO, p), readFileSync(p, 'utf8'), p);
  for (const role of ['cn00', 'cn01']) for (const [p, c] of renderedShell(role)) add(`${role}:${p}`, c);
  return [...byContent.values()];
}

describe.skipIf(!SHELLCHECK)('shellcheck', () => {
  const all = allShell();

  it('finds the device scripts and the rendered shell of both roles', () => {
    const places = all.flatMap((s) => s.places);
    expect(places.some((p) => p.startsWith('scripts/'))).toBe(true);
    expect(places.some((p) => p.startsWith('cn00:'))).toBe(true);
    expect(places.some((p) => p.startsWith('cn01:'))).toBe(true);
  });

  it('has teeth: an unquoted expansion is reported', async () => {
    const file = join(TMP, 'bad.sh');
    writeFileSync(file, '#!/bin/sh\nrm -rf $1/tmp\n');
    expect(await shellcheck(file, '#!/bin/sh\n')).toMatch(/SC2086/);
  });

  it.concurrent.each(all.map((s, i) => [s.places.join(', '), i] as const))('%s', async (_label, i) => {
    const s = all[i]!;
    let file = s.file;
    if (!file) {
      file = join(TMP, String(i), s.places[0]!.replace(/^cn0\d:/, ''));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, s.content);
    }
    expect(await shellcheck(file, s.content)).toBe('');
  });
});

describe('isShell', () => {
  it('knows shell by shebang or name, and nothing else', () => {
    expect(isShell('/usr/local/sbin/x', '#!/bin/bash\nset -eu\n')).toBe(true);
    expect(isShell('/usr/local/sbin/x', '#!/bin/sh\n')).toBe(true);
    expect(isShell('/usr/local/sbin/x', '#!/usr/bin/env bash\n')).toBe(true);
    expect(isShell('stage/01-overlay/00-run.sh', 'install -m 644 a b\n')).toBe(true);
    expect(isShell('/etc/nftables.conf', '#!/usr/sbin/nft -f\n')).toBe(false);
    expect(isShell('/etc/default/raspi-firmware', 'ROOTPART=LABEL=rootfs\n')).toBe(false);
  });
});
