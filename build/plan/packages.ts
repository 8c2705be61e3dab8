// Which Debian packages go where. Pure data + one pure function.
//  - BOOT: kernel and firmware of the Debian base (pi-gen images bring their own).
//  - SYSTEM: what a Debian minbase lacks to be a bootable headless node.
//  - STAGE_*: the payload; these also go into the pi-gen stage's packages file.
import type { Kind } from '../config/schema.ts';

export const BOOT_PACKAGES = ['linux-image-arm64', 'raspi-firmware', 'initramfs-tools', 'zstd'] as const;

export const SYSTEM_PACKAGES = [
  'systemd', 'systemd-sysv', 'udev', 'dbus', 'kmod', 'e2fsprogs', 'fdisk', 'iproute2', 'procps',
  'netbase', 'sudo', 'openssh-server', 'systemd-timesyncd', 'logrotate', 'iputils-ping', 'ca-certificates',
] as const;

// --- foundation (both roles) ---
// python3-systemd: fail2ban's systemd (journal) backend. tzdata: /etc/timezone and /etc/localtime.
export const STAGE_COMMON = [
  'nftables', 'fail2ban', 'python3-systemd', 'prometheus-node-exporter', 'cloud-guest-utils', 'curl', 'tzdata',
] as const;

// --- frontend payload ---
export const STAGE_FRONTEND = ['nginx', 'keepalived', 'redis-tools'] as const;

// --- backend payload ---
export const STAGE_BACKEND = ['redis-server', 'redis-tools'] as const;

export function planStagePackages(kind: Kind): string[] {
  return [...STAGE_COMMON, ...(kind === 'frontend' ? STAGE_FRONTEND : STAGE_BACKEND)];
}

export function planKindPackages(kind: Kind): string[] {
  return [...(kind === 'frontend' ? STAGE_FRONTEND : STAGE_BACKEND)];
}

/** The shared base (both kinds): boot, system and the common payload. */
export function planBootstrapPackages(): string[] {
  return [...new Set([...BOOT_PACKAGES, ...SYSTEM_PACKAGES, ...STAGE_COMMON])].sort();
}
