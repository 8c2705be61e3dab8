// rootfs: unpack the cached base, apply the rendered pi-gen stage to it (the same stage pi-gen
// users run), then move /boot/firmware's content aside for the FAT partition.
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext } from '../pipeline/context.ts';
import { logFor } from '../pipeline/context.ts';
import { STAGE_NAME } from '../render/stage.ts';
import { applyStage } from './stage.ts';
import { readDpkgStatus } from './dpkg.ts';

/** Leftovers of the build that do not belong in an image. */
const SCRUB = ['var/lib/apt/lists', 'var/cache/apt', 'var/cache/debconf/templates.dat-old', 'var/log/apt', 'tmp', 'var/tmp'];

export async function rootfsStep(ctx: BuildContext): Promise<string> {
  const log = logFor(ctx, 'rootfs');
  const { rootfs, bootfs } = ctx.dirs;
  mkdirSync(rootfs, { recursive: true });
  await ctx.runner.run('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', ctx.state.baseTar!, '-C', rootfs], { step: 'rootfs', log });
  const notes: string[] = [];
  await applyStage({ runner: ctx.runner, step: 'rootfs', log, note: (m) => { notes.push(m); ctx.reporter.note('rootfs', m); } }, join(ctx.dirs.piGen, STAGE_NAME), rootfs);
  for (const p of SCRUB) {
    const abs = join(rootfs, p);
    if (!existsSync(abs)) continue;
    // Directories are emptied (they keep their mode, e.g. /tmp 1777); files are removed.
    if (lstatSync(abs).isDirectory()) for (const e of readdirSync(abs)) rmSync(join(abs, e), { recursive: true, force: true });
    else rmSync(abs, { force: true });
  }
  // The FAT partition's content: what raspi-firmware put into /boot/firmware.
  mkdirSync(bootfs, { recursive: true });
  const fw = join(rootfs, 'boot/firmware');
  for (const e of readdirSync(fw)) renameSync(join(fw, e), join(bootfs, e));
  ctx.state.packages = readDpkgStatus(rootfs);
  return `${Object.keys(ctx.state.packages).length} packages; ${notes.join('; ')}`;
}
