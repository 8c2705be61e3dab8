import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { configProblems, defaultFleet } from '../helpers.ts';

const problems = configProblems;

describe('resolveConfig', () => {
  it('resolves the default fleet with the seed values, frozen', () => {
    const c = resolveConfig(defaultFleet);
    expect(c.roles.cn00).toMatchObject({ kind: 'frontend', hostname: 'CN00', address: '192.168.86.20' });
    expect(c.roles.cn01).toMatchObject({ kind: 'backend', hostname: 'CN01', address: '192.168.86.19' });
    expect(c.vip?.address).toBe('192.168.86.18');
    expect(c.boards).toEqual(['pi3', 'pi4', 'pi400', 'cm4', 'zero2w']);
    expect(c.components).toContain('non-free-firmware');
    expect(Object.isFrozen(c.roles.cn00)).toBe(true);
  });

  it('lists every schema problem with its path', () => {
    expect(problems((f) => {
      f.roles.cn00.address = '192.168.86.300';
      f.roles.cn00.adress = 'x';
      f.roles.cn01.hostname = 'CN_01';
      f.fstab = { tmpfs: [{ path: '/tmp', size: 'big' }] };
    })).toBe([
      'image.config.ts has 4 problems:',
      '  ! fstab.tmpfs[0].size: "big" is not a size (use a number and a unit, like 64m or 1g)',
      '  ! roles.cn00.address: "192.168.86.300" is not an IPv4 address',
      '  ! roles.cn00.adress: unknown field (did you mean "address"?)',
      '  ! roles.cn01.hostname: "CN_01" is not a valid hostname (letters, digits and hyphens only)',
    ].join('\n'));
  });

  it('names a hostname over 63 characters and an unknown kind', () => {
    expect(problems((f) => { f.roles.cn01.hostname = 'a'.repeat(64); f.roles.cn00.kind = 'proxy'; })).toBe([
      'image.config.ts has 2 problems:',
      '  ! roles.cn00.kind: "proxy" is not a known kind (use "frontend" or "backend")',
      `  ! roles.cn01.hostname: "${'a'.repeat(64)}" is longer than 63 characters`,
    ].join('\n'));
  });

  it('checks cross-field rules after the schema', () => {
    expect(problems((f) => {
      f.roles.cn01.address = '192.168.86.20';
      f.network.gateway = '10.0.0.1';
      f.vip.address = '192.168.87.18';
    })).toBe([
      'image.config.ts has 4 problems:',
      '  ! roles.cn00.address: "192.168.86.20" is outside the subnet 10.0.0.1/24 (network.gateway/network.prefix)',
      '  ! roles.cn01.address: "192.168.86.20" is also the address of roles.cn00',
      '  ! roles.cn01.address: "192.168.86.20" is outside the subnet 10.0.0.1/24 (network.gateway/network.prefix)',
      '  ! vip.address: "192.168.87.18" is outside the subnet 10.0.0.1/24',
    ].join('\n'));
  });

  it('refuses an empty key list with password login off', () => {
    expect(problems((f) => { f.admin.sshKeys = []; })).toContain(
      '! admin.sshKeys: is empty and password login is off, so nobody could log in; list a public key or use "generate"');
  });

  it('refuses two MASTERs, equal priorities and duplicate hostnames', () => {
    const text = problems((f) => {
      f.roles.cn02 = structuredClone(f.roles.cn00);
      f.roles.cn02.address = '192.168.86.21';
    });
    expect(text).toContain('! roles.cn02.hostname: "CN00" is also the hostname of roles.cn00');
    expect(text).toContain('! roles: the VIP group needs exactly one frontend with vrrp.state "MASTER" (found 2: cn00, cn02)');
    expect(text).toContain('! roles.cn02.vrrp.priority: 150 is also the priority of roles.cn00; priorities must differ');
  });
});

describe('backend Redis rules', () => {
  it('refuses a maxmemory that leaves the smallest board no room, as a config error', () => {
    expect(problems((f) => { f.roles.cn01.redis.maxmemory = '900mb'; })).toBe([
      'image.config.ts has 1 problem:',
      '  ! roles.cn01.redis.maxmemory: "900mb" is more than 50 % of the smallest board\'s RAM (512 MiB); use at most 256mb so the OS keeps room',
    ].join('\n'));
  });
});
