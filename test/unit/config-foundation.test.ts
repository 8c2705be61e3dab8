// Config errors of the foundation area (network, fstab, journald, timezone), pinned verbatim:
// the text is what an operator reads, so a change to it is a change to the product.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { configProblems, defaultFleet } from '../helpers.ts';

const problems = configProblems;

describe('network', () => {
  it('an address outside the subnet', () => {
    expect(problems((f) => { f.roles.cn01.address = '192.168.87.19'; })).toBe([
      'image.config.ts has 1 problem:',
      '  ! roles.cn01.address: "192.168.87.19" is outside the subnet 192.168.86.1/24 (network.gateway/network.prefix)',
    ].join('\n'));
  });

  it('a gateway outside the subnet of the nodes', () => {
    expect(problems((f) => { f.network.gateway = '192.168.87.1'; })).toBe([
      'image.config.ts has 3 problems:',
      '  ! roles.cn00.address: "192.168.86.20" is outside the subnet 192.168.87.1/24 (network.gateway/network.prefix)',
      '  ! roles.cn01.address: "192.168.86.19" is outside the subnet 192.168.87.1/24 (network.gateway/network.prefix)',
      '  ! vip.address: "192.168.86.18" is outside the subnet 192.168.87.1/24',
    ].join('\n'));
  });

  it('a prefix too narrow for the nodes', () => {
    expect(problems((f) => { f.network.prefix = 28; })).toBe([
      'image.config.ts has 3 problems:',
      '  ! roles.cn00.address: "192.168.86.20" is outside the subnet 192.168.86.1/28 (network.gateway/network.prefix)',
      '  ! roles.cn01.address: "192.168.86.19" is outside the subnet 192.168.86.1/28 (network.gateway/network.prefix)',
      '  ! vip.address: "192.168.86.18" is outside the subnet 192.168.86.1/28',
    ].join('\n'));
  });

  it('the gateway or the broadcast address as a node address, the network address as the gateway', () => {
    expect(problems((f) => { f.roles.cn00.address = '192.168.86.1'; f.roles.cn01.address = '192.168.86.255'; })).toBe([
      'image.config.ts has 2 problems:',
      '  ! roles.cn00.address: "192.168.86.1" is the gateway\'s address',
      '  ! roles.cn01.address: "192.168.86.255" is the network or broadcast address of 192.168.86.1/24',
    ].join('\n'));
    expect(problems((f) => { f.network.gateway = '192.168.86.0'; })).toBe([
      'image.config.ts has 1 problem:',
      '  ! network.gateway: "192.168.86.0" is the network or broadcast address of /24',
    ].join('\n'));
  });

  it('a DNS server that is not an address, an interface name with capitals', () => {
    expect(problems((f) => { f.network.dns = ['192.168.86.300']; f.network.interface = 'Eth0'; })).toBe([
      'image.config.ts has 2 problems:',
      '  ! network.dns[0]: "192.168.86.300" is not an IPv4 address',
      '  ! network.interface: "Eth0" is not an interface name (lowercase letters and digits, like eth0)',
    ].join('\n'));
  });
});

describe('fstab, journald, timezone', () => {
  it('a tmpfs whose size is not a size and whose path is relative', () => {
    expect(problems((f) => { f.fstab = { tmpfs: [{ path: 'tmp', size: '64', mode: '17777' }] }; })).toBe([
      'image.config.ts has 3 problems:',
      '  ! fstab.tmpfs[0].path: "tmp" is not an absolute path (like /var/cache/nginx)',
      '  ! fstab.tmpfs[0].size: "64" is not a size (use a number and a unit, like 64m or 1g)',
      '  ! fstab.tmpfs[0].mode: "17777" is not an octal mode (like 1777 or 0755)',
    ].join('\n'));
  });

  it('a tmpfs mounted twice or over the root', () => {
    expect(problems((f) => { f.fstab = { tmpfs: [{ path: '/tmp', size: '64m' }, { path: '/tmp', size: '1g' }, { path: '/', size: '1g' }] }; })).toBe([
      'image.config.ts has 2 problems:',
      '  ! fstab.tmpfs[1].path: "/tmp" is mounted twice',
      '  ! fstab.tmpfs[2].path: "/" cannot be a tmpfs',
    ].join('\n'));
  });

  it('journald sizes and retention in the wrong units', () => {
    expect(problems((f) => { f.journald = { runtimeMaxUse: '32MB', maxRetention: '7 days' }; })).toBe([
      'image.config.ts has 2 problems:',
      '  ! journald.runtimeMaxUse: "32MB" is not a size (use a number and a unit, like 64m or 1g)',
      '  ! journald.maxRetention: "7 days" is not a duration (like 30s, 15min, 1h, 1d)',
    ].join('\n'));
  });

  it('a timezone that is not a zone name', () => {
    expect(problems((f) => { f.timezone = 'Europe/Paris; rm'; })).toBe([
      'image.config.ts has 1 problem:',
      '  ! timezone: "Europe/Paris; rm" is not a timezone name (like Europe/Berlin or Etc/UTC)',
    ].join('\n'));
  });
});
