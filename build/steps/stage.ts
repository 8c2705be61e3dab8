// Applies a rendered pi-gen stage to a root filesystem the way pi-gen's run_sub_stage does:
// for each sub-stage (sorted), for NN = 00..99: NN-debconf, NN-packages-nr, NN-packages,
// NN-run.sh (on the host, ROOTFS_DIR exported), NN-run-chroot.sh (inside the chroot, bash -e).
// prerun.sh (pi-gen's copy_previous) is skipped: the base rootfs plays stage2's part.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { blockDaemons, runInChroot, withHostDns } from '../infra/chroot.ts';
import type { Runner } from '../infra/runner.ts';
import { readDpkgStatus } from './dpkg.ts';

export interface StageRunContext {
  runner: Runner;
  step: string;
  log: string;
  note: (msg: string) => void;
}

/** pi-gen's packages-file parsing: drop comments, split on whitespace. */
export function parsePackagesFile(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/#.*$/, '')).join(' ').split(/\s+/).filter(Boolean);
}

const NN = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

async function installPackages(ctx: StageRunContext, rootfs: string, file: string, noRecommends: boolean): Promise<void> {
  const wanted = parsePackagesFile(readFileSync(file, 'utf8'));
  if (wanted.length === 0) return;
  const installed = new Set(Object.keys(readDpkgStatus(rootfs)).map((n) => n.replace(/:.*$/, '')));
  const missing = wanted.filter((p) => !installed.has(p.replace(/[:=/].*$/, '')));
  if (missing.length === 0) {
    ctx.note(`${wanted.length} packages already in the base`);
    return;
  }
  ctx.note(`installing ${missing.length} packages: ${missing.join(' ')}`);
  await aptInstall(ctx, rootfs, missing, noRecommends, true);
}

/** apt-get install inside the chroot with the host's DNS (optionally refreshing the lists first). */
export async function aptInstall(ctx: StageRunContext, rootfs: string, pkgs: readonly string[], noRecommends: boolean, update: boolean): Promise<void> {
  const o = { step: ctx.step, log: ctx.log };
  await withHostDns(rootfs, async () => {
    if (update) await runInChroot(ctx.runner, rootfs, ['apt-get', '-o', 'Acquire::Retries=3', 'update'], o);
    await runInChroot(ctx.runner, rootfs, ['apt-get', '-o', 'Acquire::Retries=3', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
      'install', '-y', ...(noRecommends ? ['--no-install-recommends'] : []), ...pkgs], o);
    await runInChroot(ctx.runner, rootfs, ['apt-get', 'clean'], o);
  });
}

export async function applyStage(ctx: StageRunContext, stageDir: string, rootfsIn: string): Promise<void> {
  const rootfs = resolve(rootfsIn);
  const unblock = blockDaemons(rootfs);
  try {
    const subs = readdirSync(stageDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    for (const sub of subs) {
      const dir = join(stageDir, sub);
      if (existsSync(join(dir, 'SKIP'))) continue;
      for (const nn of NN) {
        const f = (name: string) => join(dir, `${nn}-${name}`);
        if (existsSync(f('debconf'))) {
          await runInChroot(ctx.runner, rootfs, ['debconf-set-selections'], { step: ctx.step, log: ctx.log, input: readFileSync(f('debconf'), 'utf8') });
        }
        if (existsSync(f('packages-nr'))) await installPackages(ctx, rootfs, f('packages-nr'), true);
        if (existsSync(f('packages'))) await installPackages(ctx, rootfs, f('packages'), false);
        if (existsSync(f('run.sh')) && (statSync(f('run.sh')).mode & 0o111)) {
          await ctx.runner.run(`./${nn}-run.sh`, [], { step: ctx.step, log: ctx.log, cwd: dir, env: { ROOTFS_DIR: rootfs, STAGE_DIR: stageDir } });
        }
        if (existsSync(f('run-chroot.sh'))) {
          await runInChroot(ctx.runner, rootfs, ['/bin/bash', '-e'], { step: ctx.step, log: ctx.log, input: readFileSync(f('run-chroot.sh'), 'utf8') });
        }
      }
    }
  } finally {
    unblock();
  }
}
