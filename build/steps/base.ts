// base: the cached arm64 base tarball (bootstrap + kernel + initramfs + every package of the kind).
// Keyed by a hash of its recipe: a change to overlays or addresses never rebuilds it.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { BuildContext } from '../pipeline/context.ts';
import { logFor } from '../pipeline/context.ts';
import { mmdebstrapArgv } from '../plan/base.ts';

export function baseTarPath(cacheDir: string, key: string): string {
  return `${cacheDir}/${key}.tar`;
}

export async function baseStep(ctx: BuildContext): Promise<string> {
  const tar = baseTarPath(ctx.dirs.cache, ctx.plan.baseCacheKey);
  ctx.state.baseTar = tar;
  if (existsSync(tar) && !ctx.options.refreshBase) {
    ctx.state.cacheHit = true;
    return `cache hit ${ctx.plan.baseCacheKey} (${(statSync(tar).size / 1e6).toFixed(0)} MB)`;
  }
  ctx.state.cacheHit = false;
  mkdirSync(ctx.dirs.cache, { recursive: true });
  const part = `${tar}.part-${process.pid}`;
  try {
    await ctx.runner.run('mmdebstrap', mmdebstrapArgv(ctx.plan.baseRecipe, part), { step: 'base', log: logFor(ctx, 'base') });
    renameSync(part, tar);
  } finally {
    rmSync(part, { force: true });
  }
  return `cache miss: built ${ctx.plan.baseCacheKey} (${(statSync(tar).size / 1e6).toFixed(0)} MB)`;
}
