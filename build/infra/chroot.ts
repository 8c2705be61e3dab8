// Running commands inside the image's root filesystem. Mounts (proc, sys, dev) live in a private
// mount namespace made by `unshare`, so they vanish with the process: nothing can be left mounted,
// even on Ctrl-C or a crash.
import { existsSync, writeFileSync, rmSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner, RunOptions, RunResult } from './runner.ts';

const ENTER = [
  'set -e',
  'R=$1; shift',
  'mount -t proc proc "$R/proc"',
  'mount -t sysfs sysfs "$R/sys"',
  'mount --rbind /dev "$R/dev"',
  'if [ -n "${OKOME_CHROOT_RESOLV:-}" ]; then mount --bind /etc/resolv.conf "$R/etc/resolv.conf"; fi',
  'exec chroot "$R" "$@"',
].join('\n');

export interface ChrootOptions extends Omit<RunOptions, 'env'> {
  /** Make the host's DNS visible inside (for apt). */
  network?: boolean;
}

export function runInChroot(runner: Runner, rootfs: string, argv: readonly string[], o: ChrootOptions): Promise<RunResult> {
  const env: Record<string, string> = {
    LC_ALL: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  if (o.network) env.OKOME_CHROOT_RESOLV = '1';
  return runner.run('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', ENTER, 'okome-chroot', rootfs, ...argv], { ...o, env });
}

/** Keep package maintainer scripts from starting daemons while we work in the chroot. */
export function blockDaemons(rootfs: string): () => void {
  const p = join(rootfs, 'usr/sbin/policy-rc.d');
  const existed = existsSync(p) || (() => { try { lstatSync(p); return true; } catch { return false; } })();
  if (!existed) writeFileSync(p, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  return () => { if (!existed) rmSync(p, { force: true }); };
}
