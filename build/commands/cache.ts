// cache: list or clear the cached bases.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function cacheCommand(action: string, cacheDir: string, print: (s: string) => void): void {
  const entries = existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith('base-')) : [];
  if (action === 'clear') {
    for (const e of entries) rmSync(join(cacheDir, e), { force: true });
    print(`removed ${entries.length} cached base(s) from ${cacheDir}`);
    return;
  }
  if (!entries.length) print(`no cached bases in ${cacheDir}`);
  for (const e of entries) print(`${e}  ${(statSync(join(cacheDir, e)).size / 1e6).toFixed(0)} MB`);
}
