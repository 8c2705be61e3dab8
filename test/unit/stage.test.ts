// The pi-gen stage tree, checked against pi-gen's rules, and its host-side script run for real.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { loadCatalog } from '../../build/infra/catalog.ts';
import { writeTree } from '../../build/infra/fsx.ts';
import { planImage } from '../../build/plan/plan.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { renderRole } from '../../build/render/role.ts';
import { parsePackagesFile } from '../../build/steps/stage.ts';
import { defaultFleet, REPO } from '../helpers.ts';

const config = resolveConfig(defaultFleet);
const catalog = loadCatalog(REPO);
const tmp = mkdtempSync(join(tmpdir(), 'okome-stage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(['cn00', 'cn01'])('pi-gen stage of %s', (role) => {
  const plan = planImage(config, role);
  const { files, tree } = renderRole(catalog, config, plan, FAKE_SECRETS);
  const stageEntries = [...tree.keys()].filter((k) => k.startsWith('stage-okome/'));

  it('has the files pi-gen needs, with the modes it needs', () => {
    expect(tree.get('config')?.mode).toBe(0o600);
    expect(tree.get('stage-okome/prerun.sh')?.mode).toBe(0o755);
    expect(tree.get('stage-okome/EXPORT_IMAGE')?.content).toBe(`IMG_SUFFIX="-${role}"\n`);
    expect(tree.get('stage-okome/01-overlay/00-run.sh')?.mode).toBe(0o755);
    expect(tree.has('stage-okome/02-system/00-run-chroot.sh')).toBe(true);
  });

  it('follows pi-gen sub-stage naming: two-digit prefixes, known kinds, no EDIT or SKIP', () => {
    for (const e of stageEntries) {
      const parts = e.split('/');
      if (parts.length === 2) { expect(['prerun.sh', 'EXPORT_IMAGE']).toContain(parts[1]); continue; }
      expect(parts[1]).toMatch(/^\d\d-[a-z-]+$/);
      if (parts[2] === 'files') continue;
      expect(parts[2]).toMatch(/^\d\d-(debconf|packages|packages-nr|run\.sh|run-chroot\.sh)$/);
    }
    expect(stageEntries.some((e) => /\/(EDIT|SKIP|SKIP_IMAGES)$/.test(e))).toBe(false);
  });

  it('starts every run script with #!/bin/bash -e and makes host-side ones executable', () => {
    for (const [k, v] of tree) {
      if (/(prerun|\d\d-run|\d\d-run-chroot)\.sh$/.test(k)) expect(v.content.split('\n')[0], k).toBe('#!/bin/bash -e');
      if (/(prerun|\d\d-run)\.sh$/.test(k)) expect(v.mode & 0o111, k).not.toBe(0);
    }
  });

  it('writes packages files pi-gen can paste into an apt command line', () => {
    const text = tree.get('stage-okome/00-packages/00-packages-nr')!.content;
    expect(text).not.toMatch(/[$`*?[;&|'"\\]/);
    expect(parsePackagesFile(text)).toEqual(plan.stagePackages);
  });

  it('never regenerates SSH host keys in the chroot and removes baked ones', () => {
    const chroot = tree.get('stage-okome/02-system/00-run-chroot.sh')!.content;
    expect(chroot).not.toMatch(/dpkg-reconfigure openssh-server|ssh-keygen -A/);
    expect(chroot).toContain('rm -f /etc/ssh/ssh_host_*');
    expect(chroot).toContain('echo uninitialized > /etc/machine-id');
  });

  it('uses NetworkManager on Raspberry Pi OS and systemd-networkd on the Debian base', () => {
    const chroot = tree.get('stage-okome/02-system/00-run-chroot.sh')!.content;
    expect(chroot).toMatch(/if \[ -x \/usr\/sbin\/NetworkManager \]; then\n\trm -f \/etc\/systemd\/network\/10-okome-wired.network[\s\S]*else\n\trm -rf \/etc\/NetworkManager\n\tsystemctl enable systemd-networkd.service\nfi/);
  });

  it('has a config pi-gen accepts: quoted values, a valid first user, the stage listed', () => {
    const cfg = tree.get('config')!.content;
    expect(cfg).toMatch(/^FIRST_USER_NAME='[a-z][-a-z0-9_]*'$/m);
    expect(cfg).toContain("STAGE_LIST='stage0 stage1 stage2 stage-okome'");
    expect(cfg).toMatch(/^DISABLE_FIRST_BOOT_USER_RENAME=1$/m);
    expect(cfg).toMatch(/^FIRST_USER_PASS='[A-Za-z0-9-]+'$/m);
    expect(cfg).toContain(`TARGET_HOSTNAME='${plan.hostname}'`);
    expect(spawnSync('bash', ['-n', '-c', cfg]).status).toBe(0);
  });

  it('installs every overlay file, and nothing else', () => {
    const run = tree.get('stage-okome/01-overlay/00-run.sh')!.content;
    const puts = [...run.matchAll(/^put (\d{4}) (\S+)$/gm)].map((m) => [m[1], m[2]!.replace(/^'|'$/g, '')]);
    expect(puts.map(([, p]) => p).sort()).toEqual(files.map((f) => f.path).sort());
    for (const [, p] of puts) expect(tree.has(`stage-okome/01-overlay/files${p}`), p).toBe(true);
  });

  it('passes shellcheck', () => {
    const dir = join(tmp, `sc-${role}`);
    writeTree(dir, tree);
    const scripts = [...tree.keys()].filter((k) => /\.sh$/.test(k) && !k.includes('/files/')).map((k) => join(dir, k));
    const r = spawnSync('shellcheck', ['-s', 'bash', '-e', 'SC2164', ...scripts], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)('00-run.sh installs the overlay into ROOTFS_DIR with exact modes, replacing symlinks', () => {
    const dir = join(tmp, `run-${role}`);
    writeTree(dir, tree);
    const rootfs = join(dir, 'rootfs');
    execFileSync('mkdir', ['-p', join(rootfs, 'etc')]);
    // A host-pointing absolute symlink must be replaced, never written through.
    execFileSync('ln', ['-s', '/etc/hostname', join(rootfs, 'etc/hostname')]);
    const before = readFileSync('/etc/hostname', 'utf8');
    execFileSync('./00-run.sh', { cwd: join(dir, 'stage-okome/01-overlay'), env: { ...process.env, ROOTFS_DIR: rootfs } });
    expect(readFileSync('/etc/hostname', 'utf8')).toBe(before);
    for (const f of files) {
      const st = statSync(join(rootfs, f.path));
      expect(st.mode & 0o7777, f.path).toBe(f.mode);
      expect(readFileSync(join(rootfs, f.path), 'utf8'), f.path).toBe(f.content);
    }
  });
});
