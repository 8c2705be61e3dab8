import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { baseCacheKey, mmdebstrapArgv } from '../../build/plan/base.ts';
import { mcopyArgv, mke2fsArgv, mkfsVfatArgv, planLayout, sfdiskScript } from '../../build/plan/disk.ts';
import { planImage } from '../../build/plan/plan.ts';
import { defaultFleet, fleetWith } from '../helpers.ts';

const config = resolveConfig(defaultFleet);

describe('planImage', () => {
  const cn00 = planImage(config, 'cn00');
  const cn01 = planImage(config, 'cn01');

  it('is JSON-printable and deterministic', () => {
    expect(JSON.parse(JSON.stringify(cn00))).toEqual(cn00);
    expect(planImage(config, 'cn00')).toEqual(cn00);
  });

  it('shares the base between kinds and separates the kind layers', () => {
    expect(cn00.baseCacheKey).toBe(cn01.baseCacheKey);
    expect(cn00.kindLayer.cacheKey).not.toBe(cn01.kindLayer.cacheKey);
    expect(cn00.kindLayer.packages).toContain('nginx');
    expect(cn01.kindLayer.packages).toContain('redis-server');
    expect(cn00.baseRecipe.packages).toEqual(expect.arrayContaining(['linux-image-arm64', 'raspi-firmware', 'initramfs-tools', 'openssh-server']));
  });

  it('keeps the base cache across overlay-only changes (address, hostname, nginx)', () => {
    const changed = fleetWith((f) => { f.roles!.cn00!.address = '192.168.86.30'; (f.roles!.cn00 as { hostname: string }).hostname = 'EDGE'; });
    const p = planImage(changed, 'cn00');
    expect(p.baseCacheKey).toBe(cn00.baseCacheKey);
    expect(p.kindLayer.cacheKey).toBe(cn00.kindLayer.cacheKey);
    expect(p.configHash).not.toBe(cn00.configHash);
  });

  it('changes the base key when the mirror or release changes', () => {
    const m = planImage(fleetWith((f) => { f.mirror = 'http://mirror.example/debian'; }), 'cn00');
    expect(m.baseCacheKey).not.toBe(cn00.baseCacheKey);
    expect(baseCacheKey(m.baseRecipe)).toMatch(/^base-trixie-arm64-[0-9a-f]{16}$/);
  });

  it('builds the mmdebstrap command from the recipe', () => {
    const argv = mmdebstrapArgv(cn00.baseRecipe, '/c/b.tar');
    expect(argv.slice(0, 5)).toEqual(['--arch=arm64', '--variant=minbase', '--mode=root', '--format=tar', '--skip=cleanup/apt/lists']);
    expect(argv).toContain('--components=main,non-free-firmware');
    expect(argv).toContain('--dpkgopt=force-confold');
    expect(argv.find((a) => a.startsWith('--include='))).toContain('linux-image-arm64');
    expect(argv.some((a) => a.startsWith('--essential-hook=') && a.includes('MODULES=list'))).toBe(true);
    expect(argv.some((a) => a.includes('ROOTPART=LABEL=rootfs'))).toBe(true);
    expect(argv.slice(-3)).toEqual(['trixie', '/c/b.tar', 'http://deb.debian.org/debian']);
    expect(cn00.commands.bootstrap[0]).toBe('mmdebstrap');
  });

  it('gives each role its own fixed disk identifiers', () => {
    expect(cn00.disk.diskId).toMatch(/^0x[0-9a-f]{8}$/);
    expect(cn00.disk.diskId).not.toBe(cn01.disk.diskId);
    expect(cn00.disk.rootUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('disk layout and tool argv', () => {
  const plan = planImage(config, 'cn00');
  const l = planLayout(plan.disk, 700 * 2 ** 20);

  it('puts a 512 MiB FAT at 8 MiB and sizes the root to content plus headroom', () => {
    expect(l.bootStart).toBe(8 * 2 ** 20);
    expect(l.bootSize).toBe(512 * 2 ** 20);
    expect(l.rootStart).toBe(520 * 2 ** 20);
    expect(l.rootSize % (4 * 2 ** 20)).toBe(0);
    expect(l.rootSize).toBeGreaterThan(700 * 2 ** 20 + plan.disk.rootHeadroomMiB * 2 ** 20);
    expect(l.total).toBe(l.rootStart + l.rootSize);
  });

  it('writes the sfdisk script', () => {
    expect(sfdiskScript(plan.disk, l)).toBe([
      'label: dos', `label-id: ${plan.disk.diskId}`, 'unit: sectors', 'sector-size: 512', '',
      'start=16384, size=1048576, type=c', `start=1064960, size=${l.rootSize / 512}, type=83`, '',
    ].join('\n'));
  });

  it('formats both file systems in place at their offsets', () => {
    expect(mkfsVfatArgv(plan.disk, l, 'x.img')).toEqual(['-F', '32', '-n', 'bootfs', '-i', plan.disk.bootVolumeId, '--offset', '16384', 'x.img', '524288']);
    expect(mcopyArgv(l, 'x.img', ['/b/config.txt'])).toEqual(['-s', '-p', '-m', '-i', `x.img@@${8 * 2 ** 20}`, '/b/config.txt', '::/']);
    const e = mke2fsArgv(plan.disk, l, 'x.img', '/r', 30000);
    expect(e).toContain('-d');
    expect(e.join(' ')).toContain(`-E offset=${520 * 2 ** 20},nodiscard`);
    expect(e.at(-1)).toBe(`${l.rootSize / 1024}k`);
  });
});
