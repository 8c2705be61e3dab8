// The only place that reads the fleet file. It imports the TypeScript module (tsx/vitest
// transpile it) and hands its default export to resolveConfig.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../ui/errors.ts';
import { resolveConfig, type ResolvedConfig } from './resolve.ts';

export async function loadConfig(file = 'image.config.ts'): Promise<ResolvedConfig> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new ConfigError(file, [`${file}: file not found (run from the repository root or pass --config FILE)`]);
  let mod: { default?: unknown };
  try {
    mod = (await import(`${pathToFileURL(abs).href}?t=${Date.now()}`)) as { default?: unknown };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(file, [`${file}: cannot be loaded: ${msg}`]);
  }
  if (mod.default === undefined) throw new ConfigError(file, [`${file}: has no default export (write: export default defineConfig({...}))`]);
  return resolveConfig(mod.default, file);
}
