// The RENDERED cn01 redis.conf and users.acl, run by the host's real redis-server (7.0) on
// loopback with paths moved into a temp dir; a tiny RESP client checks every ACL user.
// Then okome-backend-check runs against that Redis and must pass (and fail with a message
// that names what was seen when the password is wrong).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { Resp } from '../fixtures/backend/resp.ts';
import { REPO, renderFilesFor } from '../helpers.ts';

const REDIS = '/usr/bin/redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitForPort(port: number, proc: ChildProcess, log: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited ${proc.exitCode} before listening:\n${readFileSync(log, 'utf8')}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); r(true); });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on 127.0.0.1:${port} within 10 s:\n${readFileSync(log, 'utf8')}`);
}

/** Replace the one line `<key> ...` of a redis.conf, failing if it is not there exactly once. */
function setDirective(conf: string, key: string, value: string): string {
  const re = new RegExp(`^${key} .*$`, 'gm');
  const n = conf.match(re)?.length ?? 0;
  if (n !== 1) throw new Error(`rendered redis.conf has ${n} "${key}" lines, expected 1`);
  return conf.replace(re, `${key} ${value}`);
}

const files = renderFilesFor('cn01');
const conf = files.get('/etc/redis/redis.conf')!;
const acl = files.get('/etc/redis/users.acl')!;

describe('cn01 Redis, as rendered, in a real redis-server', () => {
  let dir = '';
  let port = 0;
  let proc: ChildProcess | undefined;
  const open: Resp[] = [];
  const client = async (user?: string, pass?: string) => {
    const c = await Resp.open(port);
    open.push(c);
    if (user) expect(await c.send('AUTH', user, pass!)).toBe('OK');
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okome-redis-'));
    port = await freePort();
    let c = conf.content;
    for (const [k, v] of Object.entries({
      bind: '127.0.0.1', port: String(port), dir, logfile: join(dir, 'redis.log'), pidfile: join(dir, 'redis.pid'),
      supervised: 'no', daemonize: 'no', aclfile: join(dir, 'users.acl'),
    })) c = setDirective(c, k, v);
    writeFileSync(join(dir, 'redis.conf'), c);
    writeFileSync(join(dir, 'users.acl'), acl.content);
    proc = spawn(REDIS, [join(dir, 'redis.conf')], { stdio: 'ignore' });
    await waitForPort(port, proc, join(dir, 'redis.log'));
  });

  afterAll(() => {
    for (const c of open) c.close();
    proc?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the default user: NOAUTH without AUTH, WRONGPASS with any password', async () => {
    const c = await client();
    expect(await c.send('PING')).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
    expect(await c.send('GET', 'okome:x')).toEqual({ error: expect.stringMatching(/^NOAUTH/) });
    expect(await c.send('AUTH', 'anything')).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
    expect(await c.send('AUTH', 'default', '')).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
  });

  it('lets planner GET, SET, EXPIRE, TTL and DEL under okome:* only', async () => {
    const c = await client('planner', FAKE_SECRETS.redisPlanner);
    expect(await c.send('PING')).toBe('PONG');
    expect(await c.send('SET', 'okome:planner:t1', 'v1')).toBe('OK');
    expect(await c.send('GET', 'okome:planner:t1')).toBe('v1');
    expect(await c.send('EXPIRE', 'okome:planner:t1', 120)).toBe(1);
    const ttl = await c.send('TTL', 'okome:planner:t1');
    expect(ttl).toBeGreaterThan(100);
    expect(await c.send('HSET', 'okome:model:m1', 'name', 'x')).toBe(1);
    expect(await c.send('SET', 'okome:rag:q', 'r', 'EX', 60)).toBe('OK');
    expect(await c.send('DEL', 'okome:rag:q')).toBe(1);
    expect(await c.send('SET', 'other:key', 'v')).toEqual({ error: expect.stringMatching(/^NOPERM .*key/) });
    expect(await c.send('GET', 'secret')).toEqual({ error: expect.stringMatching(/^NOPERM .*key/) });
  });

  it.each([['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'GET', 'maxmemory'], ['KEYS', '*'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN', 'NOSAVE'], ['ACL', 'LIST'], ['INFO']])(
    'refuses planner %s', async (...cmd) => {
      const c = await client('planner', FAKE_SECRETS.redisPlanner);
      // DEBUG is also switched off server-wide (enable-debug-command no), which answers first.
      const refusal = cmd[0] === 'DEBUG' ? /^(NOPERM .*command|ERR DEBUG command not allowed)/ : /^NOPERM .*command/;
      expect(await c.send(...cmd)).toEqual({ error: expect.stringMatching(refusal) });
      // The ACL itself refuses it, whatever the server-wide switches say.
      const admin = await client('admin', FAKE_SECRETS.redisAdmin);
      expect(await admin.send('ACL', 'DRYRUN', 'planner', ...cmd)).toMatch(/no permissions to run/);
    });

  it('the ACL lets planner run what a cache client needs', async () => {
    const admin = await client('admin', FAKE_SECRETS.redisAdmin);
    for (const cmd of [['GET', 'okome:a'], ['SET', 'okome:a', '1'], ['EXPIRE', 'okome:a', '9'], ['TTL', 'okome:a'], ['PTTL', 'okome:a'], ['HGETALL', 'okome:h'], ['MGET', 'okome:a', 'okome:b'], ['EXISTS', 'okome:a'], ['UNLINK', 'okome:a'], ['PING'], ['MULTI']])
      expect(await admin.send('ACL', 'DRYRUN', 'planner', ...cmd), cmd.join(' ')).toBe('OK');
  });

  it('gives admin everything: CONFIG GET shows the rendered maxmemory and policy in effect', async () => {
    const c = await client('admin', FAKE_SECRETS.redisAdmin);
    expect(await c.send('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', String(256 * 1024 * 1024)]);
    expect(await c.send('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    expect(await c.send('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await c.send('CONFIG', 'GET', 'save')).toEqual(['save', '3600 1']);
    expect(await c.send('CONFIG', 'GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
    expect(await c.send('GET', 'any:key')).toBeNull();
  });

  it('lets health PING and INFO, and nothing that touches keys', async () => {
    const c = await client('health', FAKE_SECRETS.redisHealth);
    expect(await c.send('PING')).toBe('PONG');
    expect(String(await c.send('INFO', 'memory'))).toContain('maxmemory_policy:allkeys-lru');
    expect(await c.send('GET', 'okome:planner:t1')).toEqual({ error: expect.stringMatching(/^NOPERM/) });
    expect(await c.send('SET', 'okome:x', '1')).toEqual({ error: expect.stringMatching(/^NOPERM/) });
  });

  describe('okome-backend-check against it', () => {
    const script = join(REPO, 'scripts/backend/okome-backend-check.sh');
    const run = (passFile: string) => {
      const root = join(dir, 'root');
      mkdirSync(join(root, 'etc/okome/secrets'), { recursive: true });
      // Loopback only: the LAN address and port are rewritten in the file too, not just overridden.
      const env = files.get('/etc/okome/backend.env')!.content
        .replace(/^REDIS_ADDRESS=.*$/m, 'REDIS_ADDRESS=127.0.0.1').replace(/^REDIS_PORT=.*$/m, `REDIS_PORT=${port}`);
      writeFileSync(join(root, 'etc/okome/backend.env'), env);
      writeFileSync(join(root, 'etc/okome/secrets/redis-health.pass'), passFile);
      chmodSync(join(root, 'etc/okome/secrets/redis-health.pass'), 0o600);
      return execa(script, [], {
        reject: false,
        env: { ROOT: root, REDIS_PORT: String(port), REDIS_ADDRESS: '127.0.0.1', REDIS_LOCAL: '127.0.0.1', CHECKS: 'redis-ping redis-ping-lan redis-auth redis-acl-health redis-maxmemory redis-policy redis-aof' },
      });
    };

    it('passes every Redis check with the rendered health password file', async () => {
      const r = await run(files.get('/etc/okome/secrets/redis-health.pass')!.content);
      expect(r.stdout).not.toMatch(/^FAIL/m);
      expect(r.stdout).toMatch(`PASS redis-ping: PING 127.0.0.1:${port} as health answered PONG`);
      expect(r.stdout).toMatch(/^PASS redis-auth: a client without a user is refused .*NOAUTH/m);
      expect(r.stdout).toMatch(`PASS redis-maxmemory: INFO maxmemory is ${256 * 1024 * 1024}`);
      expect(r.stdout).toMatch('okome-backend-check: checks=7/7 failed=0');
      expect(r.exitCode).toBe(0);
    });

    it('fails with what it saw when the password is wrong (never "FAIL: Redis PONG")', async () => {
      const r = await run('not-the-password\n');
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^FAIL redis-ping: no PONG from 127\\.0\\.0\\.1:${port} as health \\(got: (WRONGPASS|AUTH failed)`, 'm'));
      expect(r.stdout).not.toContain('FAIL: Redis PONG');
    });
  });
});
