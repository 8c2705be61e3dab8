// Partition layout and the argv of every disk tool, from the disk plan and the measured rootfs
// size. Pure: the assemble step measures, this decides.
import type { DiskPlan } from './plan.ts';

const MiB = 1024 * 1024;
const SECTOR = 512;

export interface Layout {
  bootStart: number; // bytes
  bootSize: number;
  rootStart: number;
  rootSize: number;
  total: number;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** contentBytes: the root tree's space on disk (block-rounded); inodes: its entry count. */
export function planLayout(disk: DiskPlan, contentBytes: number): Layout {
  const bootStart = disk.bootStartMiB * MiB;
  const bootSize = disk.bootSizeMiB * MiB;
  const rootStart = bootStart + bootSize;
  // ext4 metadata (journal, inode tables, reserved blocks) on top of the content, then headroom.
  const rootSize = roundUp(contentBytes * 1.12 + 64 * MiB + disk.rootHeadroomMiB * MiB, 4 * MiB);
  return { bootStart, bootSize, rootStart, rootSize, total: rootStart + rootSize };
}

export function sfdiskScript(disk: DiskPlan, l: Layout): string {
  return [
    'label: dos',
    `label-id: ${disk.diskId}`,
    'unit: sectors',
    'sector-size: 512',
    '',
    `start=${l.bootStart / SECTOR}, size=${l.bootSize / SECTOR}, type=c`,
    `start=${l.rootStart / SECTOR}, size=${l.rootSize / SECTOR}, type=83`,
    '',
  ].join('\n');
}

export function mkfsVfatArgv(disk: DiskPlan, l: Layout, img: string): string[] {
  return ['-F', '32', '-n', disk.bootLabel, '-i', disk.bootVolumeId, '--offset', String(l.bootStart / SECTOR), img, String(l.bootSize / 1024)];
}

export function mcopyArgv(l: Layout, img: string, entries: readonly string[]): string[] {
  return ['-s', '-p', '-m', '-i', `${img}@@${l.bootStart}`, ...entries, '::/'];
}

export function mke2fsArgv(disk: DiskPlan, l: Layout, img: string, rootDir: string, inodes: number): string[] {
  return [
    '-q', '-F', '-t', 'ext4', '-L', disk.rootLabel, '-U', disk.rootUuid,
    '-m', '2', '-N', String(Math.max(65536, Math.ceil(inodes * 1.5))),
    '-E', `offset=${l.rootStart},nodiscard,hash_seed=${disk.rootUuid},root_owner=0:0`,
    '-d', rootDir, img, `${l.rootSize / 1024}k`,
  ];
}
