// The templates the repository ships, as data. Loaded once at the edge (infra/catalog.ts);
// plan and render only ever see this in-memory form.

export const LAYERS = ['common', 'frontend', 'backend'] as const;
export type Layer = (typeof LAYERS)[number];

export interface TemplateFile {
  text: string;
  /** The source file has its executable bit set in git. */
  executable: boolean;
}

export interface Catalog {
  /** overlays/<layer>/<device path>[.hbs] */
  overlays: Record<Layer, Record<string, TemplateFile>>;
  /** scripts/<layer>/<name>.sh, installed as /usr/local/sbin/<name> */
  scripts: Record<Layer, Record<string, TemplateFile>>;
  /** stages/<path> */
  stages: Record<string, TemplateFile>;
}
