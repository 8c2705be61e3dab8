// File-system writes used by steps: trees with exact modes, atomic publish, safe removal.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Tree } from '../render/stage.ts';

export function writeTree(dir: string, tree: Tree): void {
  for (const [rel, e] of tree) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, e.content, { mode: e.mode });
    chmodSync(p, e.mode); // umask-proof
  }
}

/** Mount points at or below dir (there should never be any: chroot mounts live in a namespace). */
export function mountsUnder(dir: string): string[] {
  const abs = resolve(dir);
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines.map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === abs || m.startsWith(`${abs}/`)));
}

/** rm -rf that refuses to descend into a mounted file system. */
export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  const mounts = mountsUnder(dir);
  if (mounts.length) throw new Error(`refusing to remove ${dir}: still mounted: ${mounts.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

/** Move src over dst atomically (same file system); a directory dst is swapped out then removed. */
export function publish(src: string, dst: string): void {
  let old: string | undefined;
  try {
    renameSync(src, dst);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EISDIR' && (e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    old = `${dst}.old-${process.pid}`;
    renameSync(dst, old);
    renameSync(src, dst);
    rmSync(old, { recursive: true, force: true });
  }
}
