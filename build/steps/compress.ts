// compress: .img.xz (multi-threaded) and the .bmap block map, both written under temp names.
import { join } from 'node:path';
import type { BuildContext } from '../pipeline/context.ts';
import { logFor } from '../pipeline/context.ts';
import { imagePath } from './assemble.ts';
import { statSync } from 'node:fs';

export async function compressStep(ctx: BuildContext): Promise<string> {
  const log = logFor(ctx, 'compress');
  const img = imagePath(ctx);
  const bmap = join(ctx.dirs.work, ctx.plan.artifacts.bmap);
  await ctx.runner.run('bmaptool', ['create', '-o', bmap, img], { step: 'compress', log });
  ctx.state.artifacts.push(bmap);
  const xz = join(ctx.dirs.work, ctx.plan.artifacts.xz);
  // xz -k keeps the .img; -T0 uses every core.
  await ctx.runner.run('xz', ['-T0', '-6', '-k', '-f', '-q', img], { step: 'compress', log });
  ctx.state.artifacts.push(xz);
  return `${ctx.plan.artifacts.xz} ${(statSync(xz).size / 1e6).toFixed(0)} MB`;
}
