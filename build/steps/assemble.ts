// assemble: one sparse .img file with an MBR, the FAT32 bootfs and the ext4 rootfs, written at
// their offsets by mkfs.vfat/mcopy/mke2fs. No loop devices, no mounts.
import { lstatSync, readdirSync, closeSync, openSync, ftruncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext } from '../pipeline/context.ts';
import { logFor } from '../pipeline/context.ts';
import { mcopyArgv, mke2fsArgv, mkfsVfatArgv, planLayout, sfdiskScript } from '../plan/disk.ts';

/** Space the tree takes on a 4 KiB-block file system, and its number of entries. */
export function measureTree(dir: string): { bytes: number; entries: number } {
  let bytes = 0;
  let entries = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      entries++;
      bytes += Math.ceil(st.size / 4096) * 4096 || 4096;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return { bytes, entries };
}

export function imagePath(ctx: BuildContext): string {
  return join(ctx.dirs.work, ctx.plan.artifacts.img);
}

export async function assembleStep(ctx: BuildContext): Promise<string> {
  const log = logFor(ctx, 'assemble');
  const run = (cmd: string, args: string[], input?: string) => ctx.runner.run(cmd, args, { step: 'assemble', log, input, env: { MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(ctx.plan.sourceDateEpoch), E2FSPROGS_FAKE_TIME: String(ctx.plan.sourceDateEpoch) } });
  const { bytes, entries } = measureTree(ctx.dirs.rootfs);
  const layout = planLayout(ctx.plan.disk, bytes);
  ctx.state.layout = layout;
  const img = imagePath(ctx);
  rmSync(img, { force: true });
  const fd = openSync(img, 'w');
  try { ftruncateSync(fd, layout.total); } finally { closeSync(fd); }
  await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', img], sfdiskScript(ctx.plan.disk, layout));
  await run('mkfs.vfat', mkfsVfatArgv(ctx.plan.disk, layout, img));
  const bootEntries = readdirSync(ctx.dirs.bootfs).sort().map((e) => join(ctx.dirs.bootfs, e));
  if (bootEntries.length) await run('mcopy', mcopyArgv(layout, img, bootEntries));
  await run('mke2fs', mke2fsArgv(ctx.plan.disk, layout, img, ctx.dirs.rootfs, entries));
  ctx.state.artifacts.push(img);
  const mib = (n: number) => Math.round(n / 1024 / 1024);
  return `${ctx.plan.artifacts.img}: ${mib(layout.total)} MiB (bootfs ${mib(layout.bootSize)} MiB, rootfs ${mib(layout.rootSize)} MiB, content ${mib(bytes)} MiB)`;
}
