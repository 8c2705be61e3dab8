// Reads overlays/, scripts/ and stages/ into the in-memory Catalog (the only I/O of rendering).
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LAYERS, type Catalog, type TemplateFile } from '../plan/catalog.ts';

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name !== '.gitkeep') out.push(p);
  }
  return out.sort();
}

function readTree(dir: string): Record<string, TemplateFile> {
  const tree: Record<string, TemplateFile> = {};
  for (const p of walk(dir)) {
    tree[relative(dir, p)] = { text: readFileSync(p, 'utf8'), executable: (statSync(p).mode & 0o111) !== 0 };
  }
  return tree;
}

export function loadCatalog(repoRoot: string): Catalog {
  const per = (top: string) => Object.fromEntries(LAYERS.map((l) => [l, readTree(join(repoRoot, top, l))])) as Catalog['overlays'];
  return { overlays: per('overlays'), scripts: per('scripts'), stages: readTree(join(repoRoot, 'stages')) };
}
