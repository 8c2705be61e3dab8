// test:image — real builds of both roles (unless OKOME_IMAGE_TEST_NO_BUILD=1 and the images
// exist), then the images inspected without mounting them: sfdisk --json, mtools, debugfs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../build/config/load.ts';
import type { ResolvedConfig } from '../../build/config/resolve.ts';
import { loadCatalog } from '../../build/infra/catalog.ts';
import { extList, extRead, extStat, fatList, fatRead, fatLabel, extLabel, readPartitions, debugfs } from '../../build/infra/inspect.ts';
import { ExecaRunner } from '../../build/infra/runner.ts';
import { loadSecrets } from '../../build/infra/secrets.ts';
import { planImage, type ImagePlan } from '../../build/plan/plan.ts';
import type { Secrets } from '../../build/plan/secrets.ts';
import { renderRole } from '../../build/render/role.ts';
import type { RenderedFile } from '../../build/render/overlay.ts';
import { REPO } from '../helpers.ts';

const ROLES = ['cn00', 'cn01'];
let config: ResolvedConfig;
let secrets: Secrets;

beforeAll(async () => {
  process.chdir(REPO);
  const have = ROLES.every((r) => existsSync(join(REPO, 'out', r, `okome-${r}.img`)));
  if (!(process.env.OKOME_IMAGE_TEST_NO_BUILD === '1' && have)) {
    await execa('npx', ['tsx', 'build/cli.ts', 'build', ...ROLES.flatMap((r) => ['--role', r])], { cwd: REPO, stdio: 'inherit', env: { CI: '1' } });
  }
  config = await loadConfig(join(REPO, 'image.config.ts'));
  secrets = (await loadSecrets(config, new ExecaRunner(), '/dev/null')).secrets;
});

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe.each(ROLES)('image of %s', (role) => {
  let plan: ImagePlan;
  let img: string;
  let bootOff = 0;
  let rootOff = 0;
  let files: RenderedFile[];

  beforeAll(async () => {
    plan = planImage(config, role);
    img = join(REPO, plan.artifacts.dir, plan.artifacts.img);
    const t = await readPartitions(img);
    bootOff = t.partitions[0]!.start * 512;
    rootOff = t.partitions[1]!.start * 512;
    files = renderRole(loadCatalog(REPO), config, plan, secrets).files;
  });

  it('has an MBR with FAT32 bootfs at 8 MiB and ext4 rootfs last', async () => {
    const t = await readPartitions(img);
    expect(t.label).toBe('dos');
    expect(t.partitions).toHaveLength(2);
    expect(t.partitions[0]).toMatchObject({ start: 16384, size: 512 * 2048, type: 'c' });
    expect(t.partitions[1]!.type).toBe('83');
    expect(t.partitions[1]!.start).toBe(16384 + 512 * 2048);
    expect(await fatLabel(img, bootOff)).toBe('bootfs');
    expect(await extLabel(img, rootOff)).toBe('rootfs');
  });

  it('has kernel, initrd, firmware, config.txt and a cmdline.txt that finds root by label', async () => {
    const boot = await fatList(img, bootOff);
    expect(boot.some((f) => f.startsWith('vmlinuz'))).toBe(true);
    expect(boot.some((f) => f.startsWith('initrd'))).toBe(true);
    expect(boot).toContain('config.txt');
    expect(boot.some((f) => f === 'start4.elf')).toBe(true);
    expect(boot.some((f) => f === 'bcm2711-rpi-4-b.dtb')).toBe(true);
    // Debian's kernel ships the upstream device-tree names (bcm2837 for the Pi 3 / Zero 2 W).
    for (const dtb of ['bcm2837-rpi-3-b.dtb', 'bcm2837-rpi-3-b-plus.dtb', 'bcm2711-rpi-400.dtb', 'bcm2711-rpi-cm4-io.dtb', 'bcm2837-rpi-zero-2-w.dtb']) expect(boot, dtb).toContain(dtb);
    const cmdline = await fatRead(img, bootOff, 'cmdline.txt');
    expect(cmdline).toMatch(/root=LABEL=rootfs/);
    expect(cmdline).not.toMatch(/mmcblk0p2/);
    const configTxt = await fatRead(img, bootOff, 'config.txt');
    expect(configTxt).toMatch(/gpu_mem=16/);
  });

  it('sets the hostname and bakes in no identity', async () => {
    expect((await extRead(img, rootOff, '/etc/hostname'))?.trim()).toBe(plan.hostname);
    expect(await extRead(img, rootOff, '/etc/hosts')).toContain(plan.hostname);
    expect((await extList(img, rootOff, '/etc/ssh')).filter((n) => n.startsWith('ssh_host_'))).toEqual([]);
    expect((await extRead(img, rootOff, '/etc/machine-id'))?.trim()).toBe('uninitialized');
    const shadow = (await extRead(img, rootOff, '/etc/shadow')) ?? '';
    for (const line of shadow.split('\n').filter(Boolean)) {
      const hash = line.split(':')[1] ?? '';
      expect(hash === '' || hash.startsWith('!') || hash === '*', `usable password hash for ${line.split(':')[0]}`).toBe(true);
    }
  });

  it('carries every rendered overlay file with its content, mode and owner', async () => {
    const passwd = (await extRead(img, rootOff, '/etc/passwd')) ?? '';
    const uid = (name: string) => (name === 'root' ? 0 : Number(passwd.split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[2]));
    for (const f of files) {
      const st = await extStat(img, rootOff, f.path);
      if (f.path.startsWith('/etc/NetworkManager/')) {
        // Raspberry Pi OS only: the stage removes them on the Debian base (systemd-networkd there).
        expect(st, `${f.path} on the Debian base`).toBeUndefined();
        continue;
      }
      expect(st, `${f.path} is missing`).toBeDefined();
      expect(st!.mode & 0o7777, `${f.path} mode`).toBe(f.mode);
      expect(st!.uid, `${f.path} owner`).toBe(uid(f.owner));
      const content = await extRead(img, rootOff, f.path);
      expect(sha(content ?? ''), `${f.path} content`).toBe(sha(f.content.replace(/\n$/, '')));
    }
  });

  it('enables and masks the planned units', async () => {
    const wants = new Map<string, string[]>();
    for (const dir of ['multi-user.target.wants', 'timers.target.wants', 'sysinit.target.wants', 'network-online.target.wants', 'sockets.target.wants']) {
      wants.set(dir, await extList(img, rootOff, `/etc/systemd/system/${dir}`));
    }
    const all = [...wants.values()].flat();
    expect(all, 'systemd-networkd on the Debian base').toContain('systemd-networkd.service');
    for (const u of plan.units.enable) {
      if (u.endsWith('.service') || u.endsWith('.timer')) expect(all, `${u} enabled`).toContain(u);
    }
    const top = await extList(img, rootOff, '/etc/systemd/system');
    for (const u of plan.units.mask) {
      expect(top, `${u} masked`).toContain(u);
      expect(await debugfs(img, rootOff, `stat /etc/systemd/system/${u}`)).toMatch(/Fast link dest: "\/dev\/null"/);
    }
  });

  it('has a manifest that matches the image\'s dpkg status, and checksums that verify', async () => {
    const manifest = JSON.parse(readFileSync(join(REPO, plan.artifacts.dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ role, kind: plan.kind, base: 'debian', release: 'trixie', arch: 'arm64', configHash: plan.configHash });
    const status = (await extRead(img, rootOff, '/var/lib/dpkg/status')) ?? '';
    const installed = status.split('\n\n').filter((b) => /^Status: install ok installed$/m.test(b)).length;
    expect(Object.keys(manifest.packages)).toHaveLength(installed);
    for (const [name, version] of Object.entries(manifest.packages).slice(0, 400)) {
      expect(status).toContain(`Package: ${name.replace(/:.*$/, '')}\n`);
      expect(status).toContain(`Version: ${version}`);
    }
    const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(REPO, plan.artifacts.dir) });
    expect(sums.stdout).toContain(`${plan.artifacts.img}: OK`);
    expect(sums.stdout).toContain('manifest.json: OK');
    const text = readFileSync(join(REPO, plan.artifacts.dir, 'manifest.json'), 'utf8');
    for (const s of [secrets.redisPlanner, secrets.redisAdmin, secrets.redisHealth, secrets.keepalivedPass, secrets.firstUserPass]) expect(text).not.toContain(s);
  });

  it('has exactly its kind\'s payload', async () => {
    const manifest = JSON.parse(readFileSync(join(REPO, plan.artifacts.dir, 'manifest.json'), 'utf8'));
    const absent = plan.kind === 'frontend'
      ? ['/etc/redis/users.acl', '/etc/redis/redis.conf', '/etc/okome/secrets/redis-health.pass', '/etc/systemd/system/okome-thp.service', '/usr/local/sbin/okome-backend-check']
      : ['/etc/nginx/conf.d/okome.conf', '/etc/keepalived/keepalived.conf', '/etc/systemd/system/okome-health-probe.timer', '/etc/systemd/system/okome-prewarm.timer', '/usr/local/sbin/okome-health-probe', '/usr/local/sbin/okome-prewarm'];
    for (const p of absent) expect(await extStat(img, rootOff, p), `${p} must not be in a ${plan.kind} image`).toBeUndefined();
    const timers = await extList(img, rootOff, '/etc/systemd/system/timers.target.wants');
    if (plan.kind === 'frontend') expect(timers).toEqual(expect.arrayContaining(['okome-health-probe.timer', 'okome-prewarm.timer', 'okome-hit-ratio.timer']));
    else expect(timers.filter((t) => t.startsWith('okome-'))).toEqual([]);
    if (plan.kind === 'frontend') {
      expect(manifest.packages).toHaveProperty('nginx');
      expect(manifest.packages).toHaveProperty('keepalived');
      expect(manifest.packages).not.toHaveProperty('redis-server');
    } else {
      expect(manifest.packages).toHaveProperty('redis-server');
      expect(manifest.packages).not.toHaveProperty('nginx');
      expect(manifest.packages).not.toHaveProperty('keepalived');
    }
  });

  it('holds no plain Redis planner/admin password or pi-gen user password anywhere on the disk', async () => {
    for (const s of [secrets.redisPlanner, secrets.redisAdmin, secrets.firstUserPass]) {
      const r = await execa('grep', ['-c', '-a', '-F', s, img], { reject: false });
      expect(r.stdout.trim(), 'a secret was found in the raw image').toBe('0');
    }
  });
});
