// okome-firstboot run for real (bash) against a fixture ROOT laid out like a Pi's first boot:
// /etc/machine-id "uninitialized", no SSH host keys, root on mmcblk0p2. ssh-keygen, growpart,
// resize2fs, findmnt and systemd-machine-id-setup are fakes that log what they were asked to do.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers.ts';

const FIX = join(REPO, 'test/fixtures/verify');
const FIRSTBOOT = join(REPO, 'scripts/common/okome-firstboot.sh');
const NEW_ID = 'fedcba9876543210fedcba9876543210';
const PART_SYS = 'devices/platform/emmc2bus/fe340000.mmc/mmc_host/mmc0/mmc0:0001/block/mmcblk0/mmcblk0p2';
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fixture(mounts = '/ /dev/mmcblk0p2 ext4 rw,noatime,commit=60 179:2\n') {
  const dir = mkdtempSync(join(tmpdir(), 'okome-firstboot-'));
  dirs.push(dir);
  const root = join(dir, 'root');
  const fake = join(dir, 'fake');
  mkdirSync(join(root, 'etc/ssh'), { recursive: true });
  mkdirSync(join(root, 'sys', PART_SYS), { recursive: true });
  mkdirSync(join(root, 'sys/class/block'), { recursive: true });
  mkdirSync(join(root, 'sys/dev/block'), { recursive: true });
  mkdirSync(fake);
  writeFileSync(join(root, 'etc/machine-id'), 'uninitialized\n');
  writeFileSync(join(root, 'sys', PART_SYS, 'partition'), '2\n');
  symlinkSync(`../../${PART_SYS}`, join(root, 'sys/class/block/mmcblk0p2'));
  symlinkSync(`../../${PART_SYS}`, join(root, 'sys/dev/block/179:2'));
  writeFileSync(join(fake, 'mounts'), mounts);
  writeFileSync(join(fake, 'machine-id-new'), `${NEW_ID}\n`);
  const run = () => new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(FIRSTBOOT, [], { env: { ...process.env, ROOT: root, FAKE_DIR: fake, PATH: `${join(FIX, 'bin')}:${process.env.PATH}` }, timeout: 20_000 },
      (err, stdout) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout }));
  });
  const calls = () => (existsSync(join(fake, 'calls.log')) ? readFileSync(join(fake, 'calls.log'), 'utf8').trimEnd().split('\n') : []);
  return { root, fake, run, calls };
}

describe.concurrent('okome-firstboot', () => {
  it('makes machine-id and host keys, grows mmcblk0 partition 2 and its ext4, marks done; a second run does nothing', async () => {
    const f = fixture();
    const r = await f.run();
    expect(r.code).toBe(0);
    expect(f.calls()).toEqual([
      `systemd-machine-id-setup --root=${f.root}`,
      `ssh-keygen -A -f ${f.root}`,
      'findmnt -no SOURCE /',
      'growpart /dev/mmcblk0 2',
      'findmnt -no FSTYPE /',
      'resize2fs /dev/mmcblk0p2',
    ]);
    expect(readFileSync(join(f.root, 'etc/machine-id'), 'utf8')).toBe(`${NEW_ID}\n`);
    for (const t of ['rsa', 'ecdsa', 'ed25519']) expect(existsSync(join(f.root, `etc/ssh/ssh_host_${t}_key.pub`))).toBe(true);
    expect(readFileSync(join(f.root, 'var/lib/okome/firstboot.done'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    expect(r.stdout).toContain(`okome-firstboot: machine-id is ${NEW_ID}\n`);
    expect(r.stdout).toContain('okome-firstboot: grew /dev/mmcblk0p2: CHANGED: partition=2 ');
    expect(r.stdout).toContain('okome-firstboot: resize2fs /dev/mmcblk0p2: The filesystem on /dev/mmcblk0p2 is now 7500000 (4k) blocks long.\n');

    const again = await f.run();
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^okome-firstboot: already done on .*: nothing to do\n$/);
    expect(f.calls()).toHaveLength(6);
  });

  it('root seen as /dev/root: finds the partition by MAJ:MIN; growpart NOCHANGE is fine', async () => {
    const f = fixture('/ /dev/root ext4 rw,noatime 179:2\n');
    writeFileSync(join(f.root, 'etc/machine-id'), `${NEW_ID}\n`);
    writeFileSync(join(f.fake, 'growpart.out'), 'NOCHANGE: partition 2 is size 61064927. it cannot be grown\n');
    writeFileSync(join(f.fake, 'growpart.rc'), '1\n');
    const r = await f.run();
    expect(r.code).toBe(0);
    expect(f.calls()).toEqual([
      `systemd-machine-id-setup --commit --root=${f.root}`,
      `ssh-keygen -A -f ${f.root}`,
      'findmnt -no SOURCE /',
      'findmnt -no MAJ:MIN /',
      'growpart /dev/mmcblk0 2',
      'findmnt -no FSTYPE /',
      'resize2fs /dev/mmcblk0p2',
    ]);
    expect(r.stdout).toContain('okome-firstboot: /dev/mmcblk0p2 already fills /dev/mmcblk0 (growpart: NOCHANGE)\n');
    expect(existsSync(join(f.root, 'var/lib/okome/firstboot.done'))).toBe(true);
  });

  it('a growpart failure leaves no marker (the next boot retries) and exits 1', async () => {
    const f = fixture();
    writeFileSync(join(f.fake, 'growpart.out'), 'FAILED: failed to resize\n');
    writeFileSync(join(f.fake, 'growpart.rc'), '2\n');
    const r = await f.run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('okome-firstboot: FAIL grow-root: growpart /dev/mmcblk0 2 exited 2: FAILED: failed to resize\n');
    expect(r.stdout).toContain('okome-firstboot: FAIL: grow-root; no /var/lib/okome/firstboot.done, the next boot tries again\n');
    expect(existsSync(join(f.root, 'var/lib/okome/firstboot.done'))).toBe(false);
    expect(f.calls()).not.toContain('resize2fs /dev/mmcblk0p2');
  });
});

