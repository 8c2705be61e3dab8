// The frontend's device scripts run for real (bash, curl, awk, xargs) against loopback test
// servers and fixture logs, with ROOT pointing at a temp dir that holds the rendered env file.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO, renderFilesFor } from '../helpers.ts';
import { TestUpstream } from './frontend-support.ts';

const FIXTURES = join(REPO, 'test/fixtures/frontend');
const NOW = 1769335200; // 2026-01-25T10:00:00Z, the fixtures' clock

interface Run { code: number; stdout: string; stderr: string }

/** Run a device script asynchronously (the test servers live in this process). */
function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [join(REPO, 'scripts/frontend', `${script}.sh`), ...args], { env: { PATH: process.env.PATH!, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** A fresh ROOT with cn00's rendered frontend.env and the shipped health state. */
function makeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'okome-frontend-'));
  const files = renderFilesFor('cn00');
  for (const p of ['/etc/okome/frontend.env', '/etc/nginx/okome/health_state.conf']) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), files.get(p)!.content);
  }
  return root;
}

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

describe('okome-health-probe', () => {
  let root = '';
  const upstream = new TestUpstream('app');
  const localNginx = new TestUpstream('nginx'); // answers /okome-health like nginx would
  let env: Record<string, string> = {};
  const reloads = () => (existsSync(join(root, 'reloads')) ? readFileSync(join(root, 'reloads'), 'utf8').trim().split('\n').length : 0);
  const state = () => readFileSync(join(root, 'etc/nginx/okome/health_state.conf'), 'utf8');
  const probe = () => run('okome-health-probe', [], env);

  beforeAll(async () => {
    await upstream.start();
    await localNginx.start();
  });
  afterAll(async () => {
    await upstream.stop();
    await localNginx.stop();
  });
  beforeEach(() => {
    root = makeRoot();
    roots.push(root);
    env = {
      ROOT: root,
      OKOME_UPSTREAM_URL: `http://127.0.0.1:${upstream.port}`,
      OKOME_LISTEN_PORT: String(localNginx.port),
      OKOME_PROBE_TIMEOUT: '2',
      OKOME_NGINX_RELOAD_CMD: `echo reload >> '${root}/reloads'`,
    };
  });

  it('reads its defaults from the rendered env file; the reload command defaults to systemctl reload nginx', () => {
    const text = readFileSync(join(REPO, 'scripts/frontend/okome-health-probe.sh'), 'utf8');
    expect(text).toContain(': "${OKOME_NGINX_RELOAD_CMD:=systemctl reload nginx}"');
    const envFile = renderFilesFor('cn00').get('/etc/okome/frontend.env')!.content;
    expect(envFile).toContain('OKOME_UPSTREAM_URL=http://192.168.86.10:8080\n');
    expect(envFile).toContain('OKOME_PROBE_FALL=2\n');
    expect(envFile).not.toContain('RELOAD');
  });

  it('upstream up: normal, and no reload when the state is unchanged', async () => {
    const r = await probe();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`okome-health-probe: upstream http://127.0.0.1:${upstream.port}/: HTTP 200 in `);
    expect(r.stdout).toContain(`okome-health-probe: local nginx http://127.0.0.1:${localNginx.port}/okome-health: HTTP 200 in `);
    expect(r.stdout).toContain('okome-health-probe: state normal, canary up (unchanged, no reload)');
    expect(state()).toContain('set $okome_health "normal";');
    expect(reloads()).toBe(0);
  });

  it('upstream down: stale-only after failuresBeforeStale probes, one reload per change, normal again when it is back', async () => {
    const port = upstream.port;
    await upstream.stop();
    try {
      const first = await probe();
      expect(first.stdout).toContain(`upstream http://127.0.0.1:${port}/: no answer within 2s (curl exit 7:`);
      expect(first.stdout).toContain('(consecutive failures: 1 of 2)');
      expect(first.stdout).toContain('state normal, canary up (unchanged, no reload)');
      expect(reloads()).toBe(0);

      const second = await probe();
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`state normal -> stale-only, canary up -> up (upstream http://127.0.0.1:${port} failed 2 probes in a row: no answer within 2s`);
      expect(second.stdout).toContain(`okome-health-probe: reloaded nginx (echo reload >> '${root}/reloads')`);
      expect(state()).toContain('set $okome_health "stale-only";');
      expect(state()).toContain('set $okome_canary_health "up";');
      expect(state()).toMatch(/^# Written by okome-health-probe at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: upstream /);
      expect(reloads()).toBe(1);

      const third = await probe();
      expect(third.stdout).toContain('state stale-only, canary up (unchanged, no reload)');
      expect(reloads()).toBe(1);
    } finally {
      await upstream.start();
    }
    const back = await probe();
    expect(back.stdout).toContain(`state stale-only -> normal, canary up -> up (upstream http://127.0.0.1:${upstream.port} answered: HTTP 200 in `);
    expect(state()).toContain('set $okome_health "normal";');
    expect(reloads()).toBe(2);
  });

  it('an upstream answering 5xx counts as down; 4xx as up', async () => {
    env.OKOME_PROBE_FALL = '1';
    env.OKOME_PROBE_PATH = '/broken';
    const r = await probe();
    expect(r.stdout).toContain(`upstream http://127.0.0.1:${upstream.port}/broken: HTTP 500 in `);
    expect(state()).toContain('"stale-only"');
    const h = new TestUpstream('404s', 0, (_p, res) => { res.statusCode = 404; res.end(); return true; });
    await h.start();
    try {
      env.OKOME_UPSTREAM_URL = `http://127.0.0.1:${h.port}`;
      expect((await probe()).stdout).toContain('HTTP 404 in ');
      expect(state()).toContain('"normal"');
    } finally {
      await h.stop();
    }
  });

  it('maintenance flag: maintenance state, and back to normal when it is removed', async () => {
    mkdirSync(join(root, 'etc/okome'), { recursive: true });
    writeFileSync(join(root, 'etc/okome/maintenance'), '');
    const r = await probe();
    expect(r.stdout).toContain('state normal -> maintenance, canary up -> up (maintenance flag /etc/okome/maintenance exists)');
    expect(state()).toContain('"maintenance"');
    rmSync(join(root, 'etc/okome/maintenance'));
    expect((await probe()).stdout).toContain('state maintenance -> normal');
    expect(reloads()).toBe(2);
  });

  it('checks a configured canary upstream and marks it down', async () => {
    env.OKOME_CANARY_URL = 'http://127.0.0.1:9';
    env.OKOME_PROBE_FALL = '1';
    const r = await probe();
    expect(r.stdout).toContain('canary upstream http://127.0.0.1:9/: no answer within 2s');
    expect(r.stdout).toContain('state normal -> normal, canary up -> down');
    expect(state()).toContain('set $okome_canary_health "down";');
    expect(reloads()).toBe(1);
  });

  it('says so and exits 1 when the local nginx does not answer or the reload fails', async () => {
    env.OKOME_LISTEN_PORT = '9';
    env.OKOME_PROBE_FALL = '1';
    env.OKOME_NGINX_RELOAD_CMD = 'false';
    env.OKOME_PROBE_PATH = '/broken';
    const r = await probe();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('local nginx http://127.0.0.1:9/okome-health: no answer within 2s');
    expect(r.stdout).toContain('FAILED to reload nginx (false exited non-zero); nginx still runs the old state');
  });
});

describe('calculate-hit-ratio', () => {
  it('counts the fixture log over the window, prints the summary and writes the .prom file', async () => {
    const root = makeRoot();
    roots.push(root);
    const log = join(FIXTURES, 'hit-ratio-access.tsv');
    const r = await run('calculate-hit-ratio', ['--now', String(NOW), log], { ROOT: root });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      `window: 300s up to 2026-01-25T10:00:00Z, 14 requests in ${log}`,
      'hits:   6',
      'misses: 4',
      'stale:  2',
      'bypass: 1',
      'other:  1',
      'ratio:  0.6667',
      'wrote /var/lib/prometheus/node-exporter/okome_cache.prom',
      '',
    ].join('\n'));
    const prom = readFileSync(join(root, 'var/lib/prometheus/node-exporter/okome_cache.prom'), 'utf8');
    expect(prom).toBe(readFileSync(join(FIXTURES, 'okome_cache.prom'), 'utf8'));
  });

  it('a window with no cacheable requests gives n/a and NaN; a missing log is empty, not an error', async () => {
    const root = makeRoot();
    roots.push(root);
    const r = await run('calculate-hit-ratio', ['--now', String(NOW + 86400)], { ROOT: root });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`calculate-hit-ratio: no log at ${root}/var/log/nginx/okome-access.log (nothing logged yet?), counting it as empty\n`);
    expect(r.stdout).toContain('ratio:  n/a\n');
    expect(readFileSync(join(root, 'var/lib/prometheus/node-exporter/okome_cache.prom'), 'utf8')).toContain('\nokome_cache_hit_ratio NaN\n');
  });

  it('reads the default log and its first rotation; --window narrows it', async () => {
    const root = makeRoot();
    roots.push(root);
    mkdirSync(join(root, 'var/log/nginx'), { recursive: true });
    const lines = readFileSync(join(FIXTURES, 'hit-ratio-access.tsv'), 'utf8').split('\n');
    writeFileSync(join(root, 'var/log/nginx/okome-access.log.1'), lines.slice(0, 10).join('\n') + '\n');
    writeFileSync(join(root, 'var/log/nginx/okome-access.log'), lines.slice(10).join('\n'));
    const r = await run('calculate-hit-ratio', ['--now', String(NOW), '--no-prom'], { ROOT: root });
    expect(r.stdout).toContain(', 14 requests in ');
    expect(existsSync(join(root, 'var/lib/prometheus'))).toBe(false);
    const narrow = await run('calculate-hit-ratio', ['--now', String(NOW), '--window', '200', '--no-prom'], { ROOT: root });
    expect(narrow.stdout).toContain('window: 200s up to 2026-01-25T10:00:00Z, 4 requests in ');
    expect(narrow.stdout).toContain('\nhits:   0\nmisses: 0\nstale:  2\nbypass: 1\nother:  1\nratio:  1.0000\n');
  });
});

describe('okome-prewarm', () => {
  const log = join(FIXTURES, 'prewarm-access.tsv');
  let server: TestUpstream;
  let root = '';
  beforeEach(async () => {
    server = await new TestUpstream('app', 0, () => false, 150).start();
    root = makeRoot();
    roots.push(root);
  });
  afterEach(async () => server.stop());
  const env = (extra: Record<string, string>) => ({ ROOT: root, OKOME_LISTEN_PORT: String(server.port), ...extra });

  it('warms the configured paths, then the top N of the log, each once, at most `concurrency` at a time', async () => {
    const r = await run('okome-prewarm', [log], env({ OKOME_PREWARM_TOP_N: '3', OKOME_PREWARM_CONCURRENCY: '2', OKOME_PREWARM_URLS: '/conf/one /a' }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`okome-prewarm: 4 paths to warm: 2 configured, 3 from the top 3 of ${log}\n`);
    expect(r.stdout).toContain(`okome-prewarm: warmed 4 of 4 paths through http://127.0.0.1:${server.port} (concurrency 2, timeout 10s); 0 failed\n`);
    expect(server.seen.map((s) => s.path).sort()).toEqual(['/a', '/b', '/c', '/conf/one']);
    expect(server.maxInFlight).toBe(2);
    expect(server.seen.every((s) => String(s.headers['user-agent']).startsWith('okome-prewarm (CN00)'))).toBe(true);
  });

  it('never counts POSTs, errors, canary traffic, the health endpoint or its own requests', async () => {
    const r = await run('okome-prewarm', ['--dry-run', log], env({ OKOME_PREWARM_TOP_N: '100' }));
    expect(r.stdout.split('\n').filter((l) => l.startsWith('/'))).toEqual(['/a', '/b', '/c', '/d', '/e', '/f']);
    expect(server.seen).toHaveLength(0);
  });

  it('respects a larger concurrency and lists the paths that failed', async () => {
    const urls = Array.from({ length: 9 }, (_, i) => `/u${i}`).concat(['/broken/x']).join(' ');
    const r = await run('okome-prewarm', ['/dev/null'], env({ OKOME_PREWARM_CONCURRENCY: '3', OKOME_PREWARM_URLS: urls }));
    expect(r.code).toBe(0);
    expect(server.seen).toHaveLength(10);
    expect(server.maxInFlight).toBe(3);
    expect(r.stdout).toContain('okome-prewarm: FAIL /broken/x: HTTP 500\n');
    expect(r.stdout).toContain('warmed 9 of 10 paths');
  });

  it('skips the run while the node is stale-only', async () => {
    writeFileSync(join(root, 'etc/nginx/okome/health_state.conf'), 'set $okome_health "stale-only";\nset $okome_canary_health "up";\n');
    const r = await run('okome-prewarm', [log], env({}));
    expect(r.stdout).toBe('okome-prewarm: skipped: /etc/nginx/okome/health_state.conf says stale-only (the upstream is down, nothing to fetch)\n');
    expect(server.seen).toHaveLength(0);
  });
});

describe('okome-keepalived-notify', () => {
  it('logs the transition and keeps the current state in /run/okome/vrrp-state', async () => {
    const root = makeRoot();
    roots.push(root);
    const env = { ROOT: root, OKOME_LOGGER: 'true' };
    const a = await run('okome-keepalived-notify', ['INSTANCE', 'OKOME_VIP', 'BACKUP', '150'], env);
    expect(a.stdout).toMatch(/^okome-keepalived-notify: VRRP instance OKOME_VIP on \S+: none -> BACKUP \(priority 150\); the peer holds the VIP\n$/);
    const b = await run('okome-keepalived-notify', ['INSTANCE', 'OKOME_VIP', 'MASTER', '150'], env);
    expect(b.stdout).toContain(': BACKUP -> MASTER (priority 150); this node now holds the VIP');
    expect(readFileSync(join(root, 'run/okome/vrrp-state'), 'utf8')).toMatch(/^MASTER \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 150\n$/);
    const bad = await run('okome-keepalived-notify', [], env);
    expect(bad.code).toBe(2);
  });
});
