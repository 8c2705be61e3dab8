// docs/configuration.md, generated from the fleet schema: every field with its type, default
// and .describe() text. Pure; the CLI entry at the bottom only prints.
//   npx tsx build/config/docs.ts > docs/configuration.md
// test/unit/config-docs.test.ts fails when the committed file differs from this output.
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { hostname, httpUrl, ipv4, size, sshPublicKey, unixUser } from './fields.ts';
import { FleetSchema } from './schema.ts';

type AnySchema = z.core.$ZodType;
interface Def { type: string; [k: string]: unknown }

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const describedAs = (s: AnySchema): string | undefined => (s as unknown as { description?: string }).description;

/** One documented field. */
export interface FieldDoc { path: string; type: string; default: string; description: string }
/** A group of fields: the top level, or one object of the schema. */
export interface SectionDoc { title: string; description: string; fields: FieldDoc[] }

/** Building blocks from fields.ts, named by what they accept (a .describe() copy shares the def). */
const NAMED = new Map<Def, string>(([
  [ipv4, 'IPv4 address'], [size, 'size (like 64m, 1g)'], [httpUrl, 'http(s) URL'], [sshPublicKey, 'SSH public key'],
  [unixUser, 'user name'], [hostname, 'hostname'],
] as [AnySchema, string][]).map(([s, n]) => [defOf(s), n]));

/** Peel default/prefault/optional wrappers: the inner schema, its default, its description. */
function peel(s: AnySchema): { inner: AnySchema; dflt: string; description?: string } {
  let cur = s;
  let dflt = 'required';
  let description = describedAs(cur);
  for (;;) {
    const def = defOf(cur);
    if (def.type === 'default' || def.type === 'prefault') {
      const v = def.defaultValue;
      dflt = def.type === 'prefault' ? 'see below' : `\`${JSON.stringify(v)}\``;
    } else if (def.type === 'optional') {
      if (dflt === 'required') dflt = 'not set';
    } else break;
    cur = def.innerType as AnySchema;
    description ??= describedAs(cur);
  }
  return { inner: cur, dflt, description };
}

function numberRange(def: Def): string {
  const checks = (def.checks as { _zod: { def: { check: string; value?: number; format?: string } } }[] | undefined) ?? [];
  let int = false;
  let min: number | undefined;
  let max: number | undefined;
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === 'number_format' && /int/.test(d.format ?? '')) int = true;
    if (d.check === 'greater_than') min = d.value;
    if (d.check === 'less_than') max = d.value;
  }
  const range = min !== undefined && max !== undefined ? ` ${min}–${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
  return `${int ? 'integer' : 'number'}${range}`;
}

/** A short human name of a schema's type. */
export function typeName(s: AnySchema): string {
  const inner = peel(s).inner;
  const named = NAMED.get(defOf(inner));
  if (named) return named;
  const def = defOf(inner);
  switch (def.type) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return numberRange(def);
    case 'enum': return Object.values(def.entries as Record<string, string>).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'literal': return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
    case 'array': {
      const el = peel(def.element as AnySchema).inner;
      return defOf(el).type === 'object' ? 'list of objects' : `list of ${typeName(el)}`;
    }
    case 'record': return `map of ${typeName(def.keyType as AnySchema)} to ${typeName(def.valueType as AnySchema)}`;
    case 'object': return def.shape && 'kind' in (def.shape as object) ? 'role (by kind, below)' : 'object';
    case 'union': return [...new Set((def.options as AnySchema[]).map(typeName))].join(' \\| ');
    default: return def.type;
  }
}

const cell = (t: string): string => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Walk one object schema; nested objects, lists of objects and role kinds become their own sections. */
function walkObject(s: AnySchema, path: string, title: string, description: string, out: SectionDoc[]): void {
  const shape = defOf(s).shape as Record<string, AnySchema>;
  const section: SectionDoc = { title, description, fields: [] };
  out.push(section);
  const nested: [AnySchema, string, string, string][] = [];
  const titled = (p: string) => (path ? title.replace(path, p) : `\`${p}\``);
  for (const [key, field] of Object.entries(shape)) {
    const fpath = path ? `${path}.${key}` : key;
    const { inner, dflt, description: text } = peel(field);
    const def = defOf(inner);
    section.fields.push({ path: fpath, type: typeName(field), default: dflt, description: text ?? '' });
    if (def.type === 'object') nested.push([inner, fpath, titled(fpath), text ?? '']);
    if (def.type === 'array') {
      const el = peel(def.element as AnySchema);
      if (defOf(el.inner).type === 'object') nested.push([el.inner, `${fpath}[]`, titled(`${fpath}[]`), el.description ?? text ?? '']);
    }
    if (def.type === 'record') {
      const value = peel(def.valueType as AnySchema).inner;
      const vdef = defOf(value);
      const options = vdef.type === 'union' ? (vdef.options as AnySchema[]) : [value];
      for (const o of options) {
        const od = defOf(peel(o).inner);
        if (od.type !== 'object') continue;
        const kindField = (od.shape as Record<string, AnySchema>).kind;
        const kind = kindField ? ` (kind ${typeName(kindField)})` : '';
        nested.push([peel(o).inner, `${fpath}.<name>`, `\`${fpath}.<name>\`${kind}`, describedAs(o) ?? '']);
      }
    }
  }
  for (const [schema, p, t, d] of nested) walkObject(schema, p, t, d, out);
}

/** Every section and field of the fleet schema, in schema order. */
export function listConfigSections(): SectionDoc[] {
  const out: SectionDoc[] = [];
  walkObject(FleetSchema, '', 'Top level', 'Fields at the top of the object passed to defineConfig().', out);
  return out;
}

export function renderConfigDocs(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by build/config/docs.ts from build/config/schema.ts; do not edit by hand.',
    '     Regenerate: npx tsx build/config/docs.ts > docs/configuration.md -->',
    '',
    'The fleet is one file, `image.config.ts`: `export default defineConfig({ ... })`. Every field is',
    'listed below with its type, its default and what it does. Objects are strict: an unknown key is an',
    'error (with a "did you mean" hint), and every problem is reported at once, with its path.',
    'Defaults are the seed\'s fleet: CN00 (frontend, 192.168.86.20) and CN01 (backend, 192.168.86.19)',
    'on 192.168.86.0/24. The upstream address in the default file is a placeholder: the seed does not',
    'name the OKOME app server, so set `roles.<name>.nginx.upstream` to yours.',
    '',
    '"see below" means the object is optional and each of its fields has its own default.',
    '',
  ];
  for (const s of listConfigSections()) {
    lines.push(`## ${s.title}`, '');
    if (s.description) lines.push(s.description, '');
    lines.push('| field | type | default | description |', '| --- | --- | --- | --- |');
    for (const f of s.fields) lines.push(`| \`${f.path}\` | ${f.type} | ${cell(f.default)} | ${cell(f.description)} |`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(renderConfigDocs());
