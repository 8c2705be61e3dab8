// Running commands inside the image's root filesystem. Mounts (proc, sys, dev) live in a private
// mount namespace made by `unshare`, so they vanish with the process: nothing can be left mounted,
// even on Ctrl-C or a crash.
import { copyFileSync, existsSync, lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner, RunOptions, RunResult } from './runner.ts';

const ENTER = [
  'set -e',
  'R=$1; shift',
  'mount -t proc proc "$R/proc"',
  'mount -t sysfs sysfs "$R/sys"',
  'mount --rbind /dev "$R/dev"',
  'exec chroot "$R" "$@"',
].join('\n');

export type ChrootOptions = Omit<RunOptions, 'env'>;

export function runInChroot(runner: Runner, rootfs: string, argv: readonly string[], o: ChrootOptions): Promise<RunResult> {
  const env: Record<string, string> = {
    LC_ALL: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  return runner.run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', ENTER, 'okome-chroot', rootfs, ...argv], { ...o, env });
}

/** Keep package maintainer scripts from starting daemons while we work in the chroot. */
export function blockDaemons(rootfs: string): () => void {
  const p = join(rootfs, 'usr/sbin/policy-rc.d');
  const existed = existsSync(p) || (() => { try { lstatSync(p); return true; } catch { return false; } })();
  if (!existed) writeFileSync(p, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  return () => { if (!existed) rmSync(p, { force: true }); };
}

/** Give the chroot the host's DNS for the duration of fn (apt), then put back what was there. */
export async function withHostDns<T>(rootfs: string, fn: () => Promise<T>): Promise<T> {
  const p = join(rootfs, 'etc/resolv.conf');
  const saved = `${p}.okome-saved`;
  let had = false;
  try { lstatSync(p); had = true; } catch { had = false; }
  if (had) renameSync(p, saved);
  copyFileSync('/etc/resolv.conf', p);
  try {
    return await fn();
  } finally {
    rmSync(p, { force: true });
    if (had) renameSync(saved, p);
  }
}
