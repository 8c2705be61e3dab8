// render: the overlay and the pi-gen stage, written into the work dir (published as out/<role>/pi-gen).
import type { BuildContext } from '../pipeline/context.ts';
import { writeTree } from '../infra/fsx.ts';
import { renderRole } from '../render/role.ts';

export async function renderStep(ctx: BuildContext): Promise<string> {
  const { files, tree } = renderRole(ctx.catalog, ctx.config, ctx.plan, ctx.secrets);
  writeTree(ctx.dirs.piGen, tree);
  return `${files.length} device files, ${tree.size} stage entries`;
}
