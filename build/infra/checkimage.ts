// Static checks of an image file (partition table, boot files, identity not baked in).
import { debugfs, extLabel, extList, extRead, fatLabel, fatList, fatRead, readPartitions } from './inspect.ts';

export interface CheckResult { name: string; ok: boolean; detail: string }

export async function checkImage(img: string, expect: { hostname?: string }): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const check = (name: string, ok: boolean, detail: string) => out.push({ name, ok, detail });
  const table = await readPartitions(img);
  const [p1, p2] = table.partitions;
  check('partition-table', table.label === 'dos' && table.partitions.length === 2, `${table.label}, ${table.partitions.length} partitions`);
  if (!p1 || !p2) return out;
  check('bootfs-at-8mib', p1.start === 16384 && p1.type === 'c', `p1 starts at sector ${p1.start}, type ${p1.type}`);
  check('rootfs-last', p2.type === '83' && p2.start >= p1.start + p1.size, `p2 starts at sector ${p2.start}, type ${p2.type}`);
  const bootOff = p1.start * 512;
  const rootOff = p2.start * 512;
  check('bootfs-label', (await fatLabel(img, bootOff)) === 'bootfs', 'FAT label');
  check('rootfs-label', (await extLabel(img, rootOff)) === 'rootfs', 'ext4 label');
  const boot = await fatList(img, bootOff);
  const has = (re: RegExp) => boot.some((f) => re.test(f));
  check('boot-kernel', has(/^vmlinuz/), boot.filter((f) => /^vmlinuz|^initrd/.test(f)).join(', ') || 'no kernel');
  check('boot-initrd', has(/^initrd/), 'initrd on bootfs');
  check('boot-firmware', has(/^start4?\.elf$/) && has(/^bcm27\d\d-rpi-.*\.dtb$/), 'start*.elf and Raspberry Pi device trees');
  check('config-txt', has(/^config\.txt$/), 'config.txt');
  const cmdline = has(/^cmdline\.txt$/) ? await fatRead(img, bootOff, 'cmdline.txt') : '';
  check('cmdline-root-by-label', /root=LABEL=rootfs/.test(cmdline), `cmdline.txt: ${cmdline.trim() || 'missing'}`);
  if (expect.hostname) {
    const h = (await extRead(img, rootOff, '/etc/hostname'))?.trim();
    check('hostname', h === expect.hostname, `/etc/hostname is ${JSON.stringify(h)}`);
  }
  const sshKeys = (await extList(img, rootOff, '/etc/ssh')).filter((n) => n.startsWith('ssh_host_'));
  check('no-ssh-host-keys', sshKeys.length === 0, sshKeys.length ? `baked in: ${sshKeys.join(', ')}` : 'none baked in');
  const mid = (await extRead(img, rootOff, '/etc/machine-id'))?.trim();
  check('machine-id-uninitialized', mid === '' || mid === 'uninitialized', `/etc/machine-id is ${JSON.stringify(mid)}`);
  const fw = await debugfs(img, rootOff, 'ls -l /boot/firmware');
  check('boot-firmware-mountpoint-empty', fw.split('\n').filter((l) => l.trim() && !/\s\.\.?\s*$/.test(l)).length === 0, '/boot/firmware is an empty mount point in rootfs');
  return out;
}
