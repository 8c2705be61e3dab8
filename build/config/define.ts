import type { FleetInput } from './schema.ts';

/** Identity function: gives image.config.ts its types. Validation happens in resolveConfig. */
export function defineConfig(config: FleetInput): FleetInput {
  return config;
}
