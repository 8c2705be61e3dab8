// Cross-field rules of the fleet, run after the schema. Pure: config in, problem lines out.
import type { Fleet } from './schema.ts';
import { checkBackendRedis } from '../plan/redis.ts';
import { planSysctl } from '../plan/sysctl.ts';

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function inSubnet(ip: string, base: string, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(base) & mask) >>> 0);
}

/** network/broadcast addresses cannot be hosts. */
function isHostAddress(ip: string, prefix: number): boolean {
  const hostBits = 32 - prefix;
  const host = ipToInt(ip) & ((2 ** hostBits) - 1);
  return host !== 0 && host !== 2 ** hostBits - 1;
}

export function checkFleetRules(c: Fleet): string[] {
  const out: string[] = [];
  const { prefix, gateway } = c.network;
  const subnet = `${gateway}/${prefix}`;
  const roles = Object.entries(c.roles);

  const seenHost = new Map<string, string>();
  const seenAddr = new Map<string, string>();
  for (const [name, r] of roles) {
    const h = r.hostname.toLowerCase();
    if (seenHost.has(h)) out.push(`roles.${name}.hostname: "${r.hostname}" is also the hostname of roles.${seenHost.get(h)}`);
    else seenHost.set(h, name);
    if (seenAddr.has(r.address)) out.push(`roles.${name}.address: "${r.address}" is also the address of roles.${seenAddr.get(r.address)}`);
    else seenAddr.set(r.address, name);
    if (!inSubnet(r.address, gateway, prefix)) out.push(`roles.${name}.address: "${r.address}" is outside the subnet ${subnet} (network.gateway/network.prefix)`);
    else if (!isHostAddress(r.address, prefix)) out.push(`roles.${name}.address: "${r.address}" is the network or broadcast address of ${subnet}`);
    if (r.address === gateway) out.push(`roles.${name}.address: "${r.address}" is the gateway's address`);
  }
  if (!isHostAddress(gateway, prefix)) out.push(`network.gateway: "${gateway}" is the network or broadcast address of /${prefix}`);

  const frontends = roles.filter(([, r]) => r.kind === 'frontend');
  if (frontends.length > 0 && !c.vip) out.push('vip: is required when a frontend role exists (the keepalived VIP address and routerId)');
  if (c.vip) {
    if (!inSubnet(c.vip.address, gateway, prefix)) out.push(`vip.address: "${c.vip.address}" is outside the subnet ${subnet}`);
    if (c.vip.address === gateway) out.push(`vip.address: "${c.vip.address}" is the gateway's address`);
    const clash = roles.find(([, r]) => r.address === c.vip!.address);
    if (clash) out.push(`vip.address: "${c.vip.address}" is also the address of roles.${clash[0]}`);
  }
  const masters = frontends.filter(([, r]) => r.kind === 'frontend' && r.vrrp.state === 'MASTER');
  if (frontends.length > 0 && masters.length !== 1)
    out.push(`roles: the VIP group needs exactly one frontend with vrrp.state "MASTER" (found ${masters.length}${masters.length ? `: ${masters.map(([n]) => n).join(', ')}` : ''})`);
  const prio = new Map<number, string>();
  for (const [name, r] of frontends) {
    if (r.kind !== 'frontend') continue;
    const other = prio.get(r.vrrp.priority);
    if (other) out.push(`roles.${name}.vrrp.priority: ${r.vrrp.priority} is also the priority of roles.${other}; priorities must differ`);
    else prio.set(r.vrrp.priority, name);
  }
  if (masters.length === 1) {
    const m = masters[0]![1];
    for (const [name, r] of frontends)
      if (r.kind === 'frontend' && r.vrrp.state === 'BACKUP' && m.kind === 'frontend' && r.vrrp.priority >= m.vrrp.priority)
        out.push(`roles.${name}.vrrp.priority: ${r.vrrp.priority} must be lower than the MASTER's (${m.vrrp.priority})`);
  }

  for (const [name, r] of roles) {
    if (r.kind !== 'backend') continue;
    const somaxconn = Number(planSysctl('backend', c.sysctl)['net.core.somaxconn']?.value ?? 4096);
    out.push(...checkBackendRedis(name, r.redis, somaxconn, c.boards));
    r.redis.allowFrom.forEach((ref, i) => {
      const isIp = /^\d+\.\d+\.\d+\.\d+$/.test(ref);
      if (!isIp && !c.roles[ref]) out.push(`roles.${name}.redis.allowFrom[${i}]: "${ref}" is neither a role name nor an IPv4 address`);
    });
  }

  if (Array.isArray(c.admin.sshKeys) && c.admin.sshKeys.length === 0 && !c.admin.passwordLogin)
    out.push('admin.sshKeys: is empty and password login is off, so nobody could log in; list a public key or use "generate"');

  const paths = new Set<string>();
  c.fstab.tmpfs.forEach((t, i) => {
    if (paths.has(t.path)) out.push(`fstab.tmpfs[${i}].path: "${t.path}" is mounted twice`);
    paths.add(t.path);
    if (t.path === '/' || t.path === '/boot/firmware') out.push(`fstab.tmpfs[${i}].path: "${t.path}" cannot be a tmpfs`);
  });
  if (c.base === 'debian' && c.boards.includes('pi5'))
    out.push('boards: "pi5" needs base "raspios" (Debian\'s kernel does not boot a Pi 5); build it through the pi-gen stage');
  return out;
}
