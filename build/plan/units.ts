// systemd units each kind enables, disables and masks in the image. Pure data.
// Units shipped by our overlays must exist in overlays/ or scripts/; Debian's come from packages.
import type { Kind } from '../config/schema.ts';

export interface UnitPlan { enable: string[]; disable: string[]; mask: string[] }

// --- foundation (both roles) ---
// systemd-networkd is enabled by the stage itself, and only on the Debian base (Raspberry Pi OS runs NetworkManager).
// Masked: radios a headless wired node does not use (bluetooth, hciuart, wpa_supplicant,
// ModemManager), mDNS (avahi), jobs that write to or wear the SD card for nothing on a
// golden image (apt-daily*, man-db, e2scrub, fstrim, Raspberry Pi OS's dphys-swapfile),
// Raspberry Pi OS's triggerhappy hotkey daemon, and systemd-resolved (resolv.conf is static).
export const COMMON_UNITS: UnitPlan = {
  enable: ['systemd-timesyncd.service', 'ssh.service', 'nftables.service', 'fail2ban.service', 'prometheus-node-exporter.service'],
  disable: [],
  mask: [
    'bluetooth.service', 'hciuart.service', 'avahi-daemon.service', 'avahi-daemon.socket', 'ModemManager.service', 'systemd-firstboot.service', 'wpa_supplicant.service',
    'apt-daily.timer', 'apt-daily-upgrade.timer', 'man-db.timer', 'e2scrub_all.timer', 'fstrim.timer',
    'dphys-swapfile.service', 'triggerhappy.service', 'triggerhappy.socket', 'systemd-resolved.service',
  ],
};

// --- frontend payload ---
// The timers are shipped by overlays/frontend/etc/systemd/system/ (docs/frontend.md).
export const FRONTEND_UNITS: UnitPlan = {
  enable: ['nginx.service', 'keepalived.service', 'okome-health-probe.timer', 'okome-hit-ratio.timer', 'okome-prewarm.timer'],
  disable: [],
  mask: [],
};

// --- backend payload ---
export const BACKEND_UNITS: UnitPlan = {
  // okome-thp.service (overlays/backend): transparent hugepages off before Redis starts.
  enable: ['okome-thp.service', 'redis-server.service'],
  disable: [],
  mask: [],
};

// --- first boot and verification ---
// okome-firstboot runs once (per-device identity) before ssh; okome-verify prints the verdict
// on every boot. Both ship in overlays/common/etc/systemd/system/.
export const VERIFY_UNITS: UnitPlan = { enable: ['okome-firstboot.service', 'okome-verify.service'], disable: [], mask: [] };

export function planUnits(kind: Kind): UnitPlan {
  const parts = [COMMON_UNITS, kind === 'frontend' ? FRONTEND_UNITS : BACKEND_UNITS, VERIFY_UNITS];
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    enable: uniq(parts.flatMap((p) => p.enable)),
    disable: uniq(parts.flatMap((p) => p.disable)),
    mask: uniq(parts.flatMap((p) => p.mask)),
  };
}
