// Shared test helpers: the default fleet, rendered with fake secrets, no I/O but reading templates.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import fleet from '../image.config.ts';
import { resolveConfig, type ResolvedConfig } from '../build/config/resolve.ts';
import type { FleetInput } from '../build/config/schema.ts';
import { ConfigError } from '../build/ui/errors.ts';
import { loadCatalog } from '../build/infra/catalog.ts';
import { FAKE_SECRETS } from '../build/plan/secrets.ts';
import { makeRenderContext, type RenderContext } from '../build/render/context.ts';
import { renderOverlay, type RenderedFile } from '../build/render/overlay.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultFleet: FleetInput = fleet;

/** The default fleet with a shallow patch applied (use structuredClone + edit for deep changes). */
export function fleetWith(patch: (f: FleetInput) => void): ResolvedConfig {
  const f = structuredClone(fleet) as FleetInput;
  patch(f);
  return resolveConfig(f);
}

export function contextFor(role: string, config: ResolvedConfig = resolveConfig(fleet)): RenderContext {
  return makeRenderContext(config, role, FAKE_SECRETS);
}

export function renderFilesFor(role: string, config: ResolvedConfig = resolveConfig(fleet)): Map<string, RenderedFile> {
  const files = renderOverlay(loadCatalog(REPO), contextFor(role, config));
  return new Map(files.map((f) => [f.path, f]));
}

/** The ConfigError text for the default fleet with `patch` applied (throws if the config is valid). */
export function configProblems(patch: (f: any) => void): string {
  const f = structuredClone(fleet) as any;
  patch(f);
  try {
    resolveConfig(f);
  } catch (e) {
    if (e instanceof ConfigError) return e.render();
    throw e;
  }
  throw new Error('expected a ConfigError');
}
