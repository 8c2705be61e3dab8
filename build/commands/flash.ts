// flash: write out/<role>'s image to a block device with bmaptool (only the used blocks).
// Refuses anything that is not a whole, unmounted block device, and asks for --yes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Runner } from '../infra/runner.ts';
import { UsageError, UserFacingError } from '../ui/errors.ts';

export async function flashCommand(args: { dir: string; img: string; device?: string; yes: boolean }, runner: Runner, print: (s: string) => void): Promise<void> {
  if (!args.device) throw new UsageError('flash needs --device /dev/sdX (the whole card, not a partition)');
  const img = join(args.dir, args.img);
  const bmap = `${img}.bmap`;
  if (!existsSync(img)) throw new UserFacingError(`${img}: no such image`, 'build it first: npm run build:image -- --role <role>');
  const device = args.device;
  if (!existsSync(device) || !statSync(device).isBlockDevice()) throw new UserFacingError(`${args.device} is not a block device`);
  const dev = basename(args.device);
  if (existsSync(`/sys/class/block/${dev}/partition`)) throw new UserFacingError(`${args.device} is a partition`, 'give the whole device (e.g. /dev/sdb, /dev/mmcblk0)');
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").filter((l) => l.startsWith(device));
  if (mounts.length) throw new UserFacingError(`${args.device} is mounted (${mounts.map((m) => m.split(' ')[1]).join(', ')})`, 'unmount it first');
  if (!args.yes) throw new UsageError(`this erases ${args.device}; run again with --yes to write ${img} to it`);
  print(`writing ${img} to ${args.device} ...`);
  await runner.run('bmaptool', ['copy', ...(existsSync(bmap) ? ['--bmap', bmap] : ['--nobmap']), img, args.device], { step: 'flash' });
  print(`done: ${args.device} holds ${basename(img)}`);
}
