// Per-kind sysctl defaults. Each line says why. config.sysctl is merged over these. Pure.
import type { Kind } from '../config/schema.ts';

export interface SysctlEntry { value: string | number; why: string }

const COMMON: Record<string, SysctlEntry> = {
  'vm.swappiness': { value: 10, why: 'no swap on the SD card; keep page cache instead of swapping' },
  'vm.dirty_writeback_centisecs': { value: 1500, why: 'batch writeback to spare the SD card' },
  'vm.dirty_expire_centisecs': { value: 3000, why: 'batch writeback to spare the SD card' },
  'net.core.somaxconn': { value: 1024, why: 'accept backlog for nginx / redis listeners' },
  'net.core.netdev_max_backlog': { value: 2500, why: 'absorb bursts on the Pi NIC' },
  'net.core.rmem_max': { value: 4194304, why: 'larger socket receive buffers for LAN traffic' },
  'net.core.wmem_max': { value: 4194304, why: 'larger socket send buffers for LAN traffic' },
  'net.ipv4.tcp_fin_timeout': { value: 15, why: 'recycle proxy connections faster' },
  'net.ipv4.tcp_slow_start_after_idle': { value: 0, why: 'keep-alive upstream connections stay fast' },
  'net.ipv4.ip_local_port_range': { value: '10240 65000', why: 'more ephemeral ports for upstream connections' },
  'net.ipv4.conf.all.rp_filter': { value: 1, why: 'drop spoofed source addresses' },
  'net.ipv4.conf.all.accept_redirects': { value: 0, why: 'a cache node never follows ICMP redirects' },
  'net.ipv4.conf.all.send_redirects': { value: 0, why: 'a cache node is not a router' },
  'kernel.panic': { value: 10, why: 'reboot 10 s after a kernel panic instead of hanging' },
};

const FRONTEND: Record<string, SysctlEntry> = {
  'net.ipv4.ip_nonlocal_bind': { value: 1, why: 'nginx may bind the keepalived VIP before it arrives' },
  'net.ipv4.tcp_max_syn_backlog': { value: 2048, why: 'SYN backlog for client bursts' },
};

const BACKEND: Record<string, SysctlEntry> = {
  'vm.overcommit_memory': { value: 1, why: 'Redis asks for it so background saves (fork) never fail' },
  'net.core.somaxconn': { value: 1024, why: 'at least Redis tcp-backlog (511)' },
};

export function planSysctl(kind: Kind, overrides: Readonly<Record<string, string | number>>): Record<string, SysctlEntry> {
  const merged: Record<string, SysctlEntry> = { ...COMMON, ...(kind === 'frontend' ? FRONTEND : BACKEND) };
  for (const [k, v] of Object.entries(overrides)) merged[k] = { value: v, why: 'set in image.config.ts' };
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}
