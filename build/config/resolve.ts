// Raw fleet input -> frozen ResolvedConfig, or a ConfigError listing every problem. Pure.
import type { z } from 'zod';
import { ConfigError } from '../ui/errors.ts';
import { formatIssue } from './issues.ts';
import { checkFleetRules } from './rules.ts';
import { FleetSchema, type Fleet } from './schema.ts';

export type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type ResolvedConfig = DeepReadonly<Fleet>;

type AnySchema = z.core.$ZodType;

function unwrap(s: AnySchema): AnySchema {
  let cur = s as { _zod: { def: { type: string; innerType?: AnySchema; in?: AnySchema } } };
  while (['default', 'prefault', 'optional', 'nullable', 'pipe'].includes(cur._zod.def.type)) {
    const next = cur._zod.def.innerType ?? cur._zod.def.in;
    if (!next) break;
    cur = next as typeof cur;
  }
  return cur as AnySchema;
}

function childSchemas(s: AnySchema, key: PropertyKey): AnySchema[] {
  const def = (unwrap(s) as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'object') {
    const shape = def.shape as Record<string, AnySchema>;
    return typeof key === 'string' && shape[key] ? [shape[key]] : [];
  }
  if (def.type === 'record') return [def.valueType as AnySchema];
  if (def.type === 'array') return [def.element as AnySchema];
  if (def.type === 'union') return (def.options as AnySchema[]).flatMap((o) => childSchemas(o, key));
  return [];
}

function keysOf(s: AnySchema): string[] {
  const def = (unwrap(s) as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  if (def.type === 'object') return Object.keys(def.shape as object);
  if (def.type === 'union') return [...new Set((def.options as AnySchema[]).flatMap(keysOf))];
  return [];
}

/** Valid keys of the object at `path` in the fleet schema (for "did you mean"). */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let level: AnySchema[] = [FleetSchema];
  for (const p of path) level = level.flatMap((s) => childSchemas(s, p));
  return [...new Set(level.flatMap(keysOf))];
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export function resolveConfig(input: unknown, file = 'image.config.ts'): ResolvedConfig {
  const parsed = FleetSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => formatIssue(i, knownKeysAt, input));
    throw new ConfigError(file, problems);
  }
  const problems = checkFleetRules(parsed.data);
  if (problems.length) throw new ConfigError(file, problems);
  return deepFreeze(parsed.data) as ResolvedConfig;
}
