// Modes and owners of device files that are not the default (0644 root:root, 0755 for
// executables and scripts). Owners other than root are applied inside the chroot, where the
// user exists. Pure data.

export interface FileMode { mode: number; owner?: string; group?: string }

export const FILE_MODES: Record<string, FileMode> = {
  '/etc/keepalived/keepalived.conf': { mode: 0o600 },
  '/etc/redis/users.acl': { mode: 0o640, owner: 'redis', group: 'redis' },
  '/etc/redis/redis.conf': { mode: 0o640, owner: 'redis', group: 'redis' },
  '/etc/okome/secrets/redis-health.pass': { mode: 0o600 },
  '/etc/sudoers.d/okome-admin': { mode: 0o440 },
  '/etc/NetworkManager/system-connections/okome-wired.nmconnection': { mode: 0o600 },
};

/** Directories whose files get a mode by default (e.g. authorized_keys). */
export function modeFor(path: string, executable: boolean): FileMode {
  const exact = FILE_MODES[path];
  if (exact) return exact;
  if (path.endsWith('/.ssh/authorized_keys')) return { mode: 0o600 };
  return { mode: executable ? 0o755 : 0o644 };
}
