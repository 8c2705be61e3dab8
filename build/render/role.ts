// Everything rendered for one role: the overlay files and the pi-gen stage tree. Pure.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Catalog } from '../plan/catalog.ts';
import type { ImagePlan } from '../plan/plan.ts';
import type { Secrets } from '../plan/secrets.ts';
import { makeRenderContext } from './context.ts';
import { renderOverlay, type RenderedFile } from './overlay.ts';
import { renderStageTree, type Tree } from './stage.ts';

export function renderRole(catalog: Catalog, config: ResolvedConfig, plan: ImagePlan, secrets: Secrets): { files: RenderedFile[]; tree: Tree } {
  const ctx = makeRenderContext(config, plan.role, secrets);
  const files = renderOverlay(catalog, ctx);
  const tree = renderStageTree(catalog, ctx, plan, files, secrets);
  return { files, tree };
}
