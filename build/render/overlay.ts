// The overlay: device files rendered from overlays/<layer>/ and scripts/<layer>/ for one role. Pure.
import type { Kind } from '../config/schema.ts';
import type { Catalog, Layer } from '../plan/catalog.ts';
import { modeFor } from '../plan/modes.ts';
import type { RenderContext } from './context.ts';
import { renderTemplate } from './env.ts';

export interface RenderedFile {
  /** Absolute path on the device. */
  path: string;
  content: string;
  mode: number;
  owner: string;
  group: string;
  /** Repository path of the template or script it came from. */
  source: string;
}

export function layersFor(kind: Kind): Layer[] {
  return ['common', kind];
}

/**
 * Templates (`*.hbs`) are rendered; other files are copied. A template that renders to
 * nothing but whitespace is left out (that is how a file becomes conditional).
 */
export function renderOverlay(catalog: Catalog, ctx: RenderContext): RenderedFile[] {
  const out = new Map<string, RenderedFile>();
  for (const layer of layersFor(ctx.role.kind)) {
    for (const [rel, tpl] of Object.entries(catalog.overlays[layer])) {
      const isTemplate = rel.endsWith('.hbs');
      const path = `/${rel.replace(/\.hbs$/, '')}`;
      const source = `overlays/${layer}/${rel}`;
      const content = isTemplate ? renderTemplate(source, tpl.text, ctx) : tpl.text;
      if (isTemplate && content.trim() === '') continue;
      const m = modeFor(path, tpl.executable);
      out.set(path, { path, content, mode: m.mode, owner: m.owner ?? 'root', group: m.group ?? 'root', source });
    }
    for (const [rel, script] of Object.entries(catalog.scripts[layer])) {
      if (!rel.endsWith('.sh') || rel.includes('/')) continue;
      const path = `/usr/local/sbin/${rel.replace(/\.sh$/, '')}`;
      out.set(path, { path, content: script.text, mode: 0o755, owner: 'root', group: 'root', source: `scripts/${layer}/${rel}` });
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
