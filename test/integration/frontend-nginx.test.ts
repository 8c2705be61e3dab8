// The rendered CN00 nginx config run by the host's real nginx against loopback test upstreams:
// cache MISS/HIT/STALE, the OKOME headers, request ids, canary and debug routing, the health
// states, and the `okome` log format as calculate-hit-ratio reads it.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetWith, REPO, renderFilesFor } from '../helpers.ts';
import { freePort, get, sleep, TestUpstream, writeNginxTree } from './frontend-support.ts';

const NGINX = '/usr/sbin/nginx';

/** Child pids of a process (nginx master: its workers, cache manager and loader). */
function childrenOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

function nginxTest(main: string, prefix: string): { status: number | null; output: string } {
  const r = spawnSync(NGINX, ['-t', '-p', prefix, '-c', main], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('frontend nginx config, variants under nginx -t', () => {
  const tmps: string[] = [];
  afterAll(() => tmps.forEach((t) => rmSync(t, { recursive: true, force: true })));

  const variants: Record<string, () => Map<string, import('../../build/render/overlay.ts').RenderedFile>> = {
    'cn00 as configured': () => renderFilesFor('cn00'),
    'cn02, a second frontend (BACKUP, priority 100)': () =>
      renderFilesFor('cn02', fleetWith((f) => {
        f.roles.cn02 = { kind: 'frontend', hostname: 'CN02', address: '192.168.86.22', vrrp: { state: 'BACKUP', priority: 100 }, nginx: { upstream: 'http://192.168.86.10:8080' } };
      })),
    'cn00 with a canary upstream, https upstream and custom cache': () =>
      renderFilesFor('cn00', fleetWith((f) => {
        const r = f.roles.cn00 as { nginx: Record<string, unknown> };
        r.nginx = { upstream: 'https://192.168.86.10', canaryUpstream: 'http://192.168.86.11:8081', listenPort: 8080, cache: { size: '1g', validOk: '30s', lockTimeout: '10s' } };
      })),
  };
  for (const [name, render] of Object.entries(variants)) {
    it(`nginx -t accepts ${name}`, () => {
      const tmp = mkdtempSync(join(tmpdir(), 'okome-nginx-t-'));
      tmps.push(tmp);
      const main = writeNginxTree(render(), tmp);
      const r = nginxTest(main, tmp);
      expect(r.output).toContain('test is successful');
      expect(r.status).toBe(0);
    });
  }

  it('keeps the stale, lock and background-update policy the issue asks for', () => {
    const conf = renderFilesFor('cn00').get('/etc/nginx/conf.d/okome.conf')!.content;
    expect(conf).toContain('proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;');
    expect(conf).toContain('proxy_cache_background_update on;');
    expect(conf).toContain('proxy_cache_lock on;');
    expect(conf).toContain('include /etc/nginx/okome/health_state.conf;');
    expect(conf).toContain('proxy_cache_path /var/cache/nginx/okome levels=1:2 keys_zone=okome:16m max_size=230m inactive=1h');
    expect(conf).toMatch(/log_format okome /);
    expect(renderFilesFor('cn00').get('/etc/nginx/okome/health_state.conf')!.content).toContain('set $okome_health "normal";');
  });
});

describe('frontend nginx serving through a real nginx', () => {
  let tmp = '';
  let port = 0;
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  const upstream = new TestUpstream('control');
  const canary = new TestUpstream('canary');

  const stateFile = () => join(tmp, 'etc/nginx/okome/health_state.conf');
  async function setState(health: string): Promise<void> {
    writeFileSync(stateFile(), `set $okome_health "${health}";\nset $okome_canary_health "up";\n`);
    // A reload starts new workers, then the old ones finish: wait until they are gone, so no
    // request of the test can reach a worker with the old state.
    const old = childrenOf(nginx!.pid!);
    process.kill(nginx!.pid!, 'SIGHUP');
    for (let i = 0; i < 200; i++) {
      const r = await get(port, '/okome-health').catch(() => undefined);
      const current = childrenOf(nginx!.pid!);
      if (r?.body.startsWith(`state=${health} `) && !old.some((p) => current.includes(p))) return;
      await sleep(25);
    }
    throw new Error(`nginx did not reach state ${health}; its log:\n${nginxLog}`);
  }

  beforeAll(async () => {
    await upstream.start();
    await canary.start();
    port = await freePort();
    const config = fleetWith((f) => {
      const r = f.roles.cn00 as { nginx: Record<string, unknown> };
      r.nginx = { upstream: `http://127.0.0.1:${upstream.port}`, canaryUpstream: `http://127.0.0.1:${canary.port}`, listenPort: port, cache: { size: '64m' } };
    });
    tmp = mkdtempSync(join(tmpdir(), 'okome-nginx-'));
    chmodSync(tmp, 0o755); // the workers (nobody when the test runs as root) walk into it
    const main = writeNginxTree(renderFilesFor('cn00', config), tmp);
    nginx = spawn(NGINX, ['-p', tmp, '-c', main, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout!.on('data', (d) => (nginxLog += d));
    nginx.stderr!.on('data', (d) => (nginxLog += d));
    for (let i = 0; i < 100; i++) {
      if (await get(port, '/okome-health').then(() => true, () => false)) return;
      await sleep(50);
    }
    throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${nginxLog}`);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000)]);
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    await upstream.stop();
    await canary.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('answers the health endpoint itself', async () => {
    const r = await get(port, '/okome-health');
    expect(r.status).toBe(200);
    expect(r.body).toBe('state=normal node=CN00\n');
    expect(upstream.seen).toHaveLength(0);
  });

  it('MISS first, HIT second, with the OKOME headers', async () => {
    const a = await get(port, '/page/a');
    expect(a.status).toBe(200);
    expect(a.body).toBe('control /page/a #1\n');
    expect(a.headers['x-cache-status']).toBe('MISS');
    expect(a.headers['x-okome-node']).toBe('CN00');
    expect(a.headers['x-upstream']).toBe(`127.0.0.1:${upstream.port}`);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(a.headers['x-okome-route']).toBe('control');
    expect(a.headers['x-okome-cache-key']).toBeUndefined();

    const b = await get(port, '/page/a');
    expect(b.body).toBe('control /page/a #1\n');
    expect(b.headers['x-cache-status']).toBe('HIT');
    expect(b.headers['x-okome-node']).toBe('CN00');
    expect(b.headers['x-upstream']).toBe('cache');
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(b.headers['x-request-id']).not.toBe(a.headers['x-request-id']);
    expect(upstream.count('/page/a')).toBe(1);
  });

  it('passes an incoming X-Request-ID to the upstream and back, and replaces a hostile one', async () => {
    const r = await get(port, '/rid', { 'X-Request-ID': 'okome-test-42' });
    expect(r.headers['x-request-id']).toBe('okome-test-42');
    expect(upstream.seen.find((s) => s.path === '/rid')!.headers['x-request-id']).toBe('okome-test-42');
    expect(r.headers['x-seen-request-id']).toBe('okome-test-42');

    const bad = await get(port, '/rid2', { 'X-Request-ID': 'two words\tand a tab' });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends the canary header and the canary cookie to the canary upstream, cached apart', async () => {
    const h = await get(port, '/page/a', { 'X-OKOME-Canary': 'canary' });
    expect(h.body).toBe('canary /page/a #1\n');
    expect(h.headers['x-cache-status']).toBe('MISS');
    expect(h.headers['x-upstream']).toBe(`127.0.0.1:${canary.port}`);
    expect(h.headers['x-okome-route']).toBe('canary');

    const c = await get(port, '/page/c', { Cookie: 'session=1; okome_canary=canary' });
    expect(c.body).toBe('canary /page/c #1\n');
    expect(canary.count('/page/c')).toBe(1);
    expect(upstream.count('/page/c')).toBe(0);

    const control = await get(port, '/page/a', { 'X-OKOME-Canary': 'nonsense' });
    expect(control.body).toBe('control /page/a #1\n');
    expect(control.headers['x-cache-status']).toBe('HIT');
  });

  it('debug bypasses the cache and adds diagnostic headers', async () => {
    const one = await get(port, '/page/a', { 'X-OKOME-Canary': 'debug' });
    const two = await get(port, '/page/a', { Cookie: 'okome_canary=debug' });
    for (const r of [one, two]) {
      expect(r.headers['x-cache-status']).toBe('BYPASS');
      expect(r.headers['x-okome-route']).toBe('debug');
      expect(r.headers['x-okome-cache-key']).toBe('control:/page/a');
      expect(r.headers['x-okome-health']).toBe('normal canary=up');
      expect(r.headers['x-okome-upstream-status']).toBe('200');
      expect(r.headers['x-okome-upstream-header-time']).toMatch(/^[0-9.]+$/);
    }
    expect(upstream.count('/page/a')).toBe(3);
    const after = await get(port, '/page/a');
    expect(after.headers['x-cache-status']).toBe('HIT');
    expect(after.body).toBe('control /page/a #1\n');
  });

  it('stale-only serves cached copies without asking the upstream; maintenance fails the health endpoint', async () => {
    // max-age=1 from the upstream; nginx counts whole seconds, so after 2.1 s both are expired.
    expect((await get(port, '/short/s1')).headers['x-cache-status']).toBe('MISS');
    expect((await get(port, '/short/s2')).headers['x-cache-status']).toBe('MISS');
    await sleep(2100);
    await setState('stale-only');
    const stale = await get(port, '/short/s1');
    expect(stale.status).toBe(200);
    expect(stale.headers['x-cache-status']).toBe('STALE');
    expect(stale.body).toBe('control /short/s1 #1\n');
    expect(upstream.count('/short/s1')).toBe(1);
    const uncached = await get(port, '/never-cached');
    expect(uncached.status).toBe(502);
    expect(upstream.count('/never-cached')).toBe(0);
    expect((await get(port, '/okome-health')).body).toBe('state=stale-only node=CN00\n');

    await setState('maintenance');
    const h = await get(port, '/okome-health');
    expect(h.status).toBe(503);
    expect(h.body).toBe('state=maintenance node=CN00\n');
    expect((await get(port, '/page/a')).headers['x-cache-status']).toBe('HIT');

    await setState('normal');
    expect((await get(port, '/never-cached')).status).toBe(200);
  });

  it('serves STALE with 200 when the upstream is gone', async () => {
    // /short/s2 was cached and has expired in the previous test.
    await upstream.stop();
    try {
      const r = await get(port, '/short/s2');
      expect(r.status).toBe(200);
      expect(r.headers['x-cache-status']).toBe('STALE');
      expect(r.body).toBe('control /short/s2 #1\n');
      expect(r.headers['x-okome-node']).toBe('CN00');
      expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await upstream.start();
    }
  });

  it('okome-frontend-check passes against it (health, state file, headers, request id, log, VRRP, VIP)', async () => {
    writeFileSync(join(tmp, 'frontend.env'), renderFilesFor('cn00').get('/etc/okome/frontend.env')!.content);
    mkdirSync(join(tmp, 'run/okome'), { recursive: true });
    writeFileSync(join(tmp, 'run/okome/vrrp-state'), 'MASTER 2026-01-25T10:00:00Z 150\n');
    writeFileSync(join(tmp, 'fake-ip'), '#!/bin/sh\necho "2: eth0    inet 192.168.86.18/24 scope global secondary eth0:vip"\n', { mode: 0o755 });
    const env = {
      PATH: process.env.PATH!, ROOT: tmp, OKOME_FRONTEND_ENV: join(tmp, 'frontend.env'), IP: join(tmp, 'fake-ip'),
      OKOME_LISTEN_PORT: String(port), OKOME_ACCESS_LOG: '/log/okome-access.log', OKOME_VIP: '192.168.86.18',
      CHECKS: 'health-endpoint health-state okome-headers request-id access-log vrrp-state vip',
    };
    const done = new Promise<{ code: number; out: string }>((resolve) => {
      execFile('bash', [join(REPO, 'scripts/frontend/okome-frontend-check.sh')], { env, timeout: 20_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }));
    });
    await sleep(700);
    process.kill(nginx!.pid!, 'SIGUSR1'); // flush the buffered access log for the access-log check
    const r = await done;
    const lines = r.out.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'PASS health-endpoint', 'PASS health-state', 'PASS okome-headers', 'PASS request-id', 'PASS access-log', 'PASS vrrp-state', 'PASS vip',
    ]);
    expect(r.out).toContain(`PASS health-endpoint: GET http://127.0.0.1:${port}/okome-health answered by nginx (state=normal node=CN00 HTTP 200)`);
    expect(r.out).toMatch(/PASS okome-headers: GET \S+ \(HTTP\/1\.1 200 OK\): X-Cache-Status: (MISS|HIT), X-OKOME-Node: CN00, X-Upstream: /);
    expect(r.code).toBe(0);

    writeFileSync(join(tmp, 'run/okome/vrrp-state'), 'FAULT 2026-01-25T10:00:00Z 150\n');
    const bad = await new Promise<string>((resolve) => {
      execFile('bash', [join(REPO, 'scripts/frontend/okome-frontend-check.sh')], { env: { ...env, CHECKS: 'vrrp-state vip' } }, (_e, stdout) => resolve(stdout));
    });
    expect(bad).toContain('FAIL vrrp-state: keepalived reported FAULT (FAULT: nginx health check failing; see journalctl -t okome-keepalived)');
    expect(bad).toContain("FAIL vip: cannot judge the VIP 192.168.86.18: VRRP state 'FAULT', on this node: yes");
  });

  it('logs in the okome format that calculate-hit-ratio reads', async () => {
    await get(port, '/logged', { 'X-Request-ID': 'log-line-1' });
    process.kill(nginx!.pid!, 'SIGUSR1'); // reopen logs: flushes the 32k buffer
    let lines: string[] = [];
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('log-line-1')); i++) {
      await sleep(50);
      lines = readFileSync(join(tmp, 'log/okome-access.log'), 'utf8').trim().split('\n');
    }
    const f = lines.find((l) => l.includes('\tlog-line-1\t'))!.split('\t');
    expect(f).toHaveLength(15);
    expect(f[0]).toMatch(/^\d{10}\.\d{3}$/);
    expect(f[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    expect(f.slice(2, 6)).toEqual(['log-line-1', '200', 'MISS', `127.0.0.1:${upstream.port}`]);
    expect(f.slice(8, 11)).toEqual(['127.0.0.1', 'GET', '/logged']);
    expect(f.slice(12, 14)).toEqual(['control', 'normal']);
    expect(lines.some((l) => l.includes('/okome-health'))).toBe(false);

    const env = join(tmp, 'frontend.env');
    writeFileSync(env, `OKOME_ACCESS_LOG=${join(tmp, 'log/okome-access.log')}\n`);
    const r = spawnSync('bash', [join(REPO, 'scripts/frontend/calculate-hit-ratio.sh'), '--no-prom', '--window', '600'], {
      encoding: 'utf8', env: { ...process.env, OKOME_FRONTEND_ENV: env },
    });
    expect(r.stderr).toBe('');
    const count = (status: string) => lines.filter((l) => l.split('\t')[4] === status).length;
    expect(r.stdout).toContain(`hits:   ${count('HIT') + count('REVALIDATED')}\n`);
    expect(r.stdout).toContain(`misses: ${count('MISS') + count('EXPIRED')}\n`);
    expect(r.stdout).toContain(`stale:  ${count('STALE') + count('UPDATING')}\n`);
    expect(r.stdout).toContain(`bypass: 2\n`);
    expect(count('HIT')).toBeGreaterThanOrEqual(4);
  });
});
