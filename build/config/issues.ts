// Turns zod issues into the operator-facing `path: message` lines. Pure.
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** The closest known key, if it is close enough to be a typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(key.toLowerCase(), k.toLowerCase());
    if (dist < bestD) { best = k; bestD = dist; }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** `knownKeys(path)` lists the valid keys of the object at path, for "did you mean". */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

export function formatIssue(issue: z.core.$ZodIssue, knownKeys: (path: readonly PropertyKey[]) => readonly string[], root?: unknown): string[] {
  const at = (extra: readonly PropertyKey[] = []) => formatPath([...issue.path, ...extra]);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const hint = suggest(k, knownKeys(issue.path));
        return `${at([k])}: unknown field${hint ? ` (did you mean "${hint}"?)` : ''}`;
      });
    case 'invalid_type':
      if (issue.input === undefined) return [`${at()}: is required`];
      return [`${at()}: expected ${issue.expected}, got ${typeName(issue.input)}${typeof issue.input === 'object' ? '' : ` ${JSON.stringify(issue.input)}`}`];
    case 'invalid_value':
      return [`${at()}: ${JSON.stringify(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`];
    case 'invalid_union':
      if ((issue as { note?: string }).note === 'No matching discriminator')
        return [`${at()}: ${JSON.stringify(valueAt(root, issue.path) ?? null)} is not a known kind (use "frontend" or "backend")`];
      return [`${at()}: ${issue.message}`];
    case 'too_small':
    case 'too_big': {
      const i = issue as unknown as { origin: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean; input?: unknown };
      const small = issue.code === 'too_small';
      const bound = Number(small ? i.minimum : i.maximum);
      const cmp = small ? (i.inclusive === false ? 'above' : 'at least') : (i.inclusive === false ? 'below' : 'at most');
      if (i.origin === 'array') return [`${at()}: needs ${cmp} ${bound} entr${bound === 1 ? 'y' : 'ies'}`];
      if (i.origin === 'string') return [`${at()}: needs ${cmp} ${bound} character${bound === 1 ? '' : 's'}`];
      return [`${at()}: ${JSON.stringify(i.input)} must be ${cmp} ${bound}`];
    }
    default:
      return [`${at()}: ${issue.message}`];
  }
}
