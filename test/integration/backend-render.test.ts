// What the cn01 image gets from the backend layer, as rendered: secrets only hashed, modes,
// systemd wiring, persistence variants and the backend config rules. Pure (no programs run),
// except shellcheck of the backend scripts.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { checkBackendRedis, redisSizeBytes } from '../../build/plan/redis.ts';
import { FAKE_SECRETS, redisHash } from '../../build/plan/secrets.ts';
import { planSysctl } from '../../build/plan/sysctl.ts';
import { planUnits } from '../../build/plan/units.ts';
import { planStagePackages } from '../../build/plan/packages.ts';
import { REPO, fleetWith, renderFilesFor } from '../helpers.ts';

describe('secrets in rendered files', () => {
  it.each(['cn00', 'cn01'])('no plain planner or admin password in any rendered file of %s', (role) => {
    for (const f of renderFilesFor(role).values()) {
      expect(f.content, f.path).not.toContain(FAKE_SECRETS.redisPlanner);
      expect(f.content, f.path).not.toContain(FAKE_SECRETS.redisAdmin);
    }
  });

  it('the health password is in plain only in its 0600 root file', () => {
    const files = renderFilesFor('cn01');
    const holders = [...files.values()].filter((f) => f.content.includes(FAKE_SECRETS.redisHealth)).map((f) => f.path);
    expect(holders).toEqual(['/etc/okome/secrets/redis-health.pass']);
    const pass = files.get('/etc/okome/secrets/redis-health.pass')!;
    expect([pass.mode, pass.owner, pass.group]).toEqual([0o600, 'root', 'root']);
    expect(pass.content).toBe(`${FAKE_SECRETS.redisHealth}\n`);
  });

  it('users.acl carries the sha256 of each password and no other secret form', () => {
    const acl = renderFilesFor('cn01').get('/etc/redis/users.acl')!.content;
    expect(acl).toContain(`user planner on ${redisHash(FAKE_SECRETS.redisPlanner)} `);
    expect(acl).toContain(`user admin on ${redisHash(FAKE_SECRETS.redisAdmin)} `);
    expect(acl).toContain(`user health on ${redisHash(FAKE_SECRETS.redisHealth)} `);
    expect(acl).toMatch(/^user default off /m);
    expect(acl).not.toMatch(/>\S/); // ">password" is the plain form
  });
});

describe('cn01 files and wiring', () => {
  const files = renderFilesFor('cn01');

  it('redis.conf and users.acl are 0640 redis:redis', () => {
    for (const p of ['/etc/redis/redis.conf', '/etc/redis/users.acl']) {
      const f = files.get(p)!;
      expect([f.mode, f.owner, f.group], p).toEqual([0o640, 'redis', 'redis']);
    }
  });

  it('binds the LAN address and loopback, supervised by systemd, no AOF', () => {
    const conf = files.get('/etc/redis/redis.conf')!.content;
    expect(conf).toMatch(/^bind 192\.168\.86\.19 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^protected-mode yes$/m);
    expect(conf).toMatch(/^supervised systemd$/m);
    expect(conf).toMatch(/^daemonize no$/m);
    expect(conf).toMatch(/^aclfile \/etc\/redis\/users\.acl$/m);
    expect(conf).toMatch(/^appendonly no$/m);
    expect(conf).toMatch(/^save 3600 1$/m);
    expect(conf).not.toMatch(/^requirepass/m);
  });

  it('persistence none renders save ""', () => {
    const cfg = fleetWith((f) => { (f.roles.cn01 as { redis: object }).redis = { persistence: 'none' }; });
    const conf = renderFilesFor('cn01', cfg).get('/etc/redis/redis.conf')!.content;
    expect(conf).toMatch(/^save ""$/m);
    expect(conf).not.toMatch(/^save \d/m);
  });

  it('tcp-backlog fits under somaxconn and Redis waits for the network and THP', () => {
    const conf = files.get('/etc/redis/redis.conf')!.content;
    const backlog = Number(/^tcp-backlog (\d+)$/m.exec(conf)![1]);
    expect(Number(planSysctl('backend', {})['net.core.somaxconn']!.value)).toBeGreaterThanOrEqual(backlog);
    expect(planSysctl('backend', {})['vm.overcommit_memory']!.value).toBe(1);
    const dropin = files.get('/etc/systemd/system/redis-server.service.d/okome.conf')!.content;
    expect(dropin).toMatch(/^After=network-online\.target okome-thp\.service$/m);
    expect(dropin).toMatch(/^Wants=network-online\.target okome-thp\.service$/m);
    const thp = files.get('/etc/systemd/system/okome-thp.service')!.content;
    expect(thp).toMatch(/^Before=redis-server\.service$/m);
    expect(thp).toMatch(/^ConditionPathExists=\/sys\/kernel\/mm\/transparent_hugepage\/enabled$/m);
    expect(planUnits('backend').enable).toEqual(expect.arrayContaining(['okome-thp.service', 'redis-server.service']));
    expect(planUnits('frontend').enable).not.toContain('okome-thp.service');
    expect(planStagePackages('backend')).toContain('redis-server');
  });

  it('installs the backend check and the chaos script; the frontend gets chaos but no Redis files', () => {
    expect(files.get('/usr/local/sbin/okome-backend-check')?.mode).toBe(0o755);
    expect(files.get('/usr/local/sbin/okome-chaos')?.mode).toBe(0o755);
    const fe = renderFilesFor('cn00');
    expect(fe.has('/usr/local/sbin/okome-chaos')).toBe(true);
    expect([...fe.keys()].filter((p) => p.startsWith('/etc/redis') || p.includes('redis-health'))).toEqual([]);
  });

  it('shellcheck passes on the backend scripts', async () => {
    const r = await execa('shellcheck', ['-x', 'scripts/backend/okome-backend-check.sh', 'scripts/common/okome-chaos.sh'], { cwd: REPO, reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

describe('backend Redis rules', () => {
  it('parses Redis sizes as powers of 1024', () => {
    expect(redisSizeBytes('256mb')).toBe(268435456);
    expect(redisSizeBytes('1gb')).toBe(1073741824);
  });

  it('names the field and the limit when maxmemory leaves the OS no room or the backlog is above somaxconn', () => {
    expect(checkBackendRedis('cn01', { maxmemory: '256mb', tcpBacklog: 511 }, 1024, ['pi3', 'zero2w'])).toEqual([]);
    expect(checkBackendRedis('cn01', { maxmemory: '400mb', tcpBacklog: 2048 }, 1024, ['pi4', 'zero2w'])).toEqual([
      'roles.cn01.redis.tcpBacklog: 2048 is above net.core.somaxconn (1024); the kernel would cut the backlog to 1024',
      'roles.cn01.redis.maxmemory: "400mb" is more than 50 % of the smallest board\'s RAM (512 MiB); use at most 256mb so the OS keeps room',
    ]);
  });
});
