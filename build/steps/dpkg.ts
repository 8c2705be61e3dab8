// The installed packages of a root filesystem, from its dpkg status file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** name (with :arch for foreign architectures) -> version, of packages "install ok installed". */
export function parseDpkgStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const block of text.split('\n\n')) {
    if (!/^Status: install ok installed$/m.test(block)) continue;
    const name = /^Package: (.+)$/m.exec(block)?.[1];
    const version = /^Version: (.+)$/m.exec(block)?.[1];
    const arch = /^Architecture: (.+)$/m.exec(block)?.[1];
    if (name && version) out[arch && arch !== 'all' && arch !== 'arm64' ? `${name}:${arch}` : name] = version;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function readDpkgStatus(rootfs: string): Record<string, string> {
  return parseDpkgStatus(readFileSync(join(rootfs, 'var/lib/dpkg/status'), 'utf8'));
}
