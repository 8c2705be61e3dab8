// The pi-gen stage tree for one role: `config`, `stage-okome/` with packages, the overlay as
// files/ plus the 00-run.sh that installs them, and the chroot script. Pure.
import type { Catalog } from '../plan/catalog.ts';
import type { ImagePlan } from '../plan/plan.ts';
import type { Secrets } from '../plan/secrets.ts';
import type { RenderContext } from './context.ts';
import { renderTemplate } from './env.ts';
import type { RenderedFile } from './overlay.ts';

export const STAGE_NAME = 'stage-okome';
export const OVERLAY_SUBSTAGE = '01-overlay';

export interface TreeEntry { content: string; mode: number }
/** Relative path (under out/<role>/pi-gen/) -> entry. */
export type Tree = Map<string, TreeEntry>;

export function renderStageTree(catalog: Catalog, ctx: RenderContext, plan: ImagePlan, files: readonly RenderedFile[], secrets: Secrets): Tree {
  const stageCtx = {
    ...ctx,
    secrets: { firstUserPass: secrets.firstUserPass },
    stage: {
      packages: plan.stagePackages,
      units: plan.units,
      files: files.map((f) => ({ path: f.path, modeOctal: f.mode.toString(8).padStart(4, '0') })),
      chown: files.filter((f) => f.owner !== 'root' || f.group !== 'root').map((f) => ({ path: f.path, owner: f.owner, group: f.group })),
    },
  };
  const tree: Tree = new Map();
  for (const [rel, tpl] of Object.entries(catalog.stages)) {
    const isTemplate = rel.endsWith('.hbs');
    const out = rel.replace(/\.hbs$/, '');
    const content = isTemplate ? renderTemplate(`stages/${rel}`, tpl.text, stageCtx) : tpl.text;
    const mode = out === 'config' ? 0o600 : tpl.executable ? 0o755 : 0o644;
    tree.set(out, { content, mode });
  }
  for (const f of files) {
    tree.set(`${STAGE_NAME}/${OVERLAY_SUBSTAGE}/files${f.path}`, { content: f.content, mode: f.mode });
  }
  return new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
