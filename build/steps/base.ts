// base: the cached layers. (1) the shared arm64 base from mmdebstrap (kernel, initramfs, system
// and common packages); (2) the kind layer: that base plus the kind's packages. Each is a tarball
// keyed by a hash of its recipe, so a change to overlays or addresses rebuilds neither.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { BuildContext } from '../pipeline/context.ts';
import { logFor } from '../pipeline/context.ts';
import { mmdebstrapArgv } from '../plan/base.ts';
import { blockDaemons } from '../infra/chroot.ts';
import { removeTree } from '../infra/fsx.ts';
import { aptInstall } from './stage.ts';

export function baseTarPath(cacheDir: string, key: string): string {
  return `${cacheDir}/${key}.tar`;
}

const mb = (p: string) => `${(statSync(p).size / 1e6).toFixed(0)} MB`;

async function buildBase(ctx: BuildContext, tar: string): Promise<void> {
  const part = `${tar}.part-${process.pid}`;
  try {
    await ctx.runner.run('mmdebstrap', mmdebstrapArgv(ctx.plan.baseRecipe, part), { step: 'base', log: logFor(ctx, 'base') });
    renameSync(part, tar);
  } finally {
    rmSync(part, { force: true });
  }
}

async function buildKindLayer(ctx: BuildContext, baseTar: string, tar: string): Promise<void> {
  const log = logFor(ctx, 'base');
  const work = `${tar}.work-${process.pid}`;
  const part = `${tar}.part-${process.pid}`;
  const run = (cmd: string, args: string[]) => ctx.runner.run(cmd, args, { step: 'base', log });
  try {
    mkdirSync(work, { recursive: true });
    await run('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', baseTar, '-C', work]);
    const unblock = blockDaemons(work);
    try {
      await aptInstall({ runner: ctx.runner, step: 'base', log, note: () => {} }, work, ctx.plan.kindLayer.packages, true, false);
    } finally {
      unblock();
    }
    await run('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '-cpf', part, '-C', work, '.']);
    renameSync(part, tar);
  } finally {
    rmSync(part, { force: true });
    removeTree(work);
  }
}

export async function baseStep(ctx: BuildContext): Promise<string> {
  const baseTar = baseTarPath(ctx.dirs.cache, ctx.plan.baseCacheKey);
  const layerTar = baseTarPath(ctx.dirs.cache, ctx.plan.kindLayer.cacheKey);
  ctx.state.baseTar = layerTar;
  const refresh = ctx.options.refreshBase;
  if (existsSync(layerTar) && !refresh) {
    ctx.state.cacheHit = true;
    return `cache hit ${ctx.plan.kindLayer.cacheKey} (${mb(layerTar)})`;
  }
  ctx.state.cacheHit = false;
  mkdirSync(ctx.dirs.cache, { recursive: true });
  const notes: string[] = [];
  if (!existsSync(baseTar) || refresh) {
    ctx.reporter.note('base', 'mmdebstrap: bootstrap, kernel, initramfs (several minutes under emulation)');
    await buildBase(ctx, baseTar);
    notes.push(`built ${ctx.plan.baseCacheKey} (${mb(baseTar)})`);
  } else {
    notes.push(`base cache hit ${ctx.plan.baseCacheKey}`);
  }
  ctx.reporter.note('base', `installing the ${ctx.plan.kind} packages: ${ctx.plan.kindLayer.packages.join(' ')}`);
  await buildKindLayer(ctx, baseTar, layerTar);
  notes.push(`built ${ctx.plan.kindLayer.cacheKey} (${mb(layerTar)})`);
  return `cache miss: ${notes.join('; ')}`;
}
