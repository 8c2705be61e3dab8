// okome-verify / okome-validate run for real (bash) against a fixture ROOT. Redis is a real
// redis-server with the ACL users the image ships (default user behind a password, `health`
// limited to PING); node-exporter and nginx are a local HTTP server; curl and redis-cli are the
// host's. The rest (systemctl, ip, sshd, nft, fail2ban-client, findmnt, sysctl, journalctl,
// nginx -t) are fakes from test/fixtures/verify/bin answering from the fixture's fake/ files.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '../../build/render/env.ts';
import { HEALTH_COMMANDS } from '../../build/plan/redis.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { contextFor, REPO } from '../helpers.ts';

const FIX = join(REPO, 'test/fixtures/verify');
const VERIFY = join(REPO, 'scripts/common/okome-verify.sh');
const VALIDATE = join(REPO, 'scripts/common/okome-validate.sh');

const COMMON_CHECKS = ['hostname', 'address', 'default-route', 'journald-volatile', 'sysctl', 'root-mount', 'tmpfs', 'machine-id',
  'ssh-host-keys', 'sshd-config', 'admin-keys', 'fail2ban-sshd', 'nftables', 'node-exporter', 'firstboot-done'];
export const FRONTEND_CHECKS = [...COMMON_CHECKS, 'nginx-config', 'nginx-header', 'redis-reachable',
  'ssh-active', 'nginx-active', 'keepalived-active', 'health-probe-timer', 'prewarm-timer'];
export const BACKEND_CHECKS = [...COMMON_CHECKS, 'redis-ping', 'redis-auth', 'ssh-active', 'redis-active'];

let http: Server;
let httpPort = 0;
let redis: ChildProcess;
let redisPort = 0;
const dirs: string[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForRedis(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await sh('redis-cli', ['-p', String(port), 'PING'], {});
    if (/NOAUTH|PONG/.test(r.stdout)) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`redis-server on ${port} did not come up`);
}

interface Run { code: number; stdout: string; stderr: string }
function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.end('# HELP node_exporter_build_info build\nnode_exporter_build_info{version="1.9.0"} 1\nnode_load1 0.1\n');
    } else {
      res.setHeader('X-OKOME-Node', 'CN00');
      res.end('ok\n');
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as { port: number }).port;

  // The image's Redis users: default behind a password (unauthenticated commands get NOAUTH),
  // health limited to PING with the password from the 0600 file.
  const dir = mkdtempSync(join(tmpdir(), 'okome-verify-redis-'));
  dirs.push(dir);
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  writeFileSync(join(dir, 'users.acl'), `user default on #${sha(FAKE_SECRETS.redisAdmin)} ~* &* +@all\nuser health on #${sha(FAKE_SECRETS.redisHealth)} resetkeys resetchannels ${HEALTH_COMMANDS.join(' ')}\n`);
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--aclfile', join(dir, 'users.acl'), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitForRedis(redisPort);
});

afterAll(() => {
  http?.close();
  redis?.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh fixture: ROOT and FAKE_DIR under a temp dir, okome.env rendered from the real template. */
function fixture(role: 'cn00' | 'cn01', envExtra: Record<string, string> = {}) {
  const kind = role === 'cn00' ? 'frontend' : 'backend';
  const dir = mkdtempSync(join(tmpdir(), `okome-verify-${role}-`));
  dirs.push(dir);
  const root = join(dir, 'root');
  const fake = join(dir, 'fake');
  for (const part of ['common', kind]) {
    cpSync(join(FIX, part, 'root'), root, { recursive: true });
    cpSync(join(FIX, part, 'fake'), fake, { recursive: true });
  }
  if (kind === 'backend') chmodSync(join(root, 'etc/okome/secrets/redis-health.pass'), 0o600);
  const tpl = 'overlays/common/etc/okome/okome.env.hbs';
  const env = renderTemplate(tpl, readFileSync(join(REPO, tpl), 'utf8'), contextFor(role));
  // Point the network checks at this host's test servers; everything else is the rendered file.
  const local: Record<string, string> = {
    NODE_EXPORTER_URL: `http://127.0.0.1:${httpPort}/metrics`,
    NGINX_PORT: String(httpPort),
    REDIS_PORT: String(redisPort),
    BACKENDS: `127.0.0.1:${redisPort}`,
    EXTRA_CHECKERS: "''",
    ...envExtra,
  };
  mkdirSync(join(root, 'etc/okome'), { recursive: true });
  writeFileSync(join(root, 'etc/okome/okome.env'), env + Object.entries(local).map(([k, v]) => `${k}=${v}\n`).join(''));
  const run = (script = VERIFY, args: string[] = [], extra: NodeJS.ProcessEnv = {}) =>
    sh(script, args, { ROOT: root, FAKE_DIR: fake, PATH: `${join(FIX, 'bin')}:${process.env.PATH}`, OKOME_VERIFY_SETTLE: '0', ...extra });
  const json = () => JSON.parse(readFileSync(join(root, 'var/lib/okome/verify.json'), 'utf8'));
  const read = (p: string) => readFileSync(join(root, p), 'utf8');
  return { root, fake, run, json, read };
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

describe.concurrent('okome-verify on an all-PASS backend (cn01)', () => {
  it('prints PASS with every backend check, writes verify.json, the metric, the motd and one console line each', async () => {
    const f = fixture('cn01');
    const r = await f.run();
    expect(r.stderr).toBe('');
    const n = BACKEND_CHECKS.length;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn01 result=PASS checks=${n}/${n}`);
    const j = f.json();
    expect(j).toMatchObject({ role: 'cn01', kind: 'backend', result: 'PASS', passed: n, total: n });
    expect(j.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(j.checks.map((c: { name: string }) => c.name)).toEqual(BACKEND_CHECKS);
    const by = Object.fromEntries(j.checks.map((c: { name: string; detail: string }) => [c.name, c.detail]));
    expect(by['redis-ping']).toBe(`PONG from 127.0.0.1:${redisPort} as user health`);
    expect(by['redis-auth']).toBe(`default user refused at 127.0.0.1:${redisPort}: NOAUTH Authentication required.`);
    expect(by.address).toBe('eth0 has 192.168.86.19/24');
    expect(by.sysctl).toBe('4 keys live as in /etc/sysctl.d/90-okome.conf');
    expect(by['root-mount']).toBe('/ mounted with noatime,commit=60 (rw,noatime,commit=60)');
    expect(by['ssh-host-keys']).toBe('3 host keys present: ssh_host_rsa_key ssh_host_ecdsa_key ssh_host_ed25519_key');
    expect(f.read('var/lib/prometheus/node-exporter/okome_verify.prom')).toContain(
      `okome_verify_pass 1\n# HELP okome_verify_checks_total Checks in the last okome-verify run.\n# TYPE okome_verify_checks_total gauge\nokome_verify_checks_total ${n}\n`);
    expect(f.read('var/lib/prometheus/node-exporter/okome_verify.prom')).toContain('okome_verify_checks_failed 0\n');
    expect(f.read('run/motd.d/okome-verify')).toMatch(new RegExp(`^OKOME-VERIFY role=cn01 result=PASS checks=${n}/${n} \\(.*Z\\)\\n$`));
    for (const tty of ['dev/tty1', 'dev/ttyAMA0']) {
      expect(f.read(tty)).toBe(`\nOKOME-VERIFY role=cn01 result=PASS checks=${n}/${n}\n`);
    }
  });
});

describe.concurrent('okome-verify on an all-PASS frontend (cn00)', () => {
  it('prints PASS with every frontend check', async () => {
    const f = fixture('cn00');
    const r = await f.run();
    const n = FRONTEND_CHECKS.length;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn00 result=PASS checks=${n}/${n}`);
    const j = f.json();
    expect(j.checks.map((c: { name: string }) => c.name)).toEqual(FRONTEND_CHECKS);
    const by = Object.fromEntries(j.checks.map((c: { name: string; detail: string }) => [c.name, c.detail]));
    expect(by['nginx-header']).toBe(`GET http://127.0.0.1:${httpPort}/: HTTP/1.1 200 OK, X-OKOME-Node: CN00`);
    expect(by['redis-reachable']).toBe(`Redis answers at 127.0.0.1:${redisPort}`);
    expect(by.tmpfs).toBe('tmpfs mounted: /tmp /var/cache/nginx');
    expect(by['prewarm-timer']).toBe('okome-prewarm.timer is active');
    expect(r.stdout).toContain('PASS nginx-config: nginx -t: nginx: configuration file /etc/nginx/nginx.conf test is successful\n');
  });
});

describe.concurrent('okome-verify with failures', () => {
  it('wrong address on the interface: FAIL address, and says what it saw', async () => {
    const f = fixture('cn00');
    writeFileSync(join(f.fake, 'ip-addr'), '2: eth0    inet 192.168.86.99/24 brd 192.168.86.255 scope global eth0\n');
    const r = await f.run();
    const n = FRONTEND_CHECKS.length;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn00 result=FAIL checks=${n - 1}/${n} failed=address`);
    expect(r.stdout).toContain('FAIL address: eth0 lacks 192.168.86.20/24 (has: 192.168.86.99/24)\n');
    expect(f.json()).toMatchObject({ result: 'FAIL', passed: n - 1, total: n });
    const prom = f.read('var/lib/prometheus/node-exporter/okome_verify.prom');
    expect(prom).toContain('okome_verify_pass 0\n');
    expect(prom).toContain('okome_verify_checks_failed 1\n');
    expect(prom).toContain('okome_verify_check_pass{check="address"} 0\n');
    expect(f.read('run/motd.d/okome-verify')).toContain('  FAIL address: eth0 lacks 192.168.86.20/24 (has: 192.168.86.99/24)\n');
    expect(f.read('dev/ttyAMA0')).toBe(`\nOKOME-VERIFY role=cn00 result=FAIL checks=${n - 1}/${n} failed=address\n`);
  });

  it('wrong health password: Redis answers NOAUTH, FAIL redis-ping with what Redis said', async () => {
    const f = fixture('cn01');
    writeFileSync(join(f.root, 'etc/okome/secrets/redis-health.pass'), 'not-the-password\n');
    const r = await f.run();
    const n = BACKEND_CHECKS.length;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn01 result=FAIL checks=${n - 1}/${n} failed=redis-ping`);
    const ping = f.json().checks.find((c: { name: string }) => c.name === 'redis-ping');
    expect(ping.result).toBe('FAIL');
    expect(ping.detail).toMatch(new RegExp(`^no PONG from 127\\.0\\.0\\.1:${redisPort} as user health \\(got: .*NOAUTH Authentication required\\.\\)$`));
  });

  it('several failures are listed in check order', async () => {
    const f = fixture('cn01');
    writeFileSync(join(f.root, 'etc/machine-id'), 'uninitialized\n');
    writeFileSync(join(f.fake, 'active-units'), 'ssh.service\n');
    writeFileSync(join(f.fake, 'sshd-T'), 'permitrootlogin prohibit-password\npasswordauthentication no\nkbdinteractiveauthentication no\n');
    const r = await f.run();
    expect(lastLine(r.stdout)).toMatch(/ result=FAIL checks=\d+\/\d+ failed=machine-id,sshd-config,redis-active$/);
    expect(r.stdout).toContain("FAIL machine-id: /etc/machine-id is 'uninitialized', not a 32-hex-digit id\n");
    expect(r.stdout).toContain('FAIL sshd-config: sshd -T has permitrootlogin prohibit-password\n');
    expect(r.stdout).toContain('FAIL redis-active: redis-server.service is inactive\n');
  });

  it('a check that fails at first passes after the settle loop retries it', async () => {
    const f = fixture('cn01');
    writeFileSync(join(f.fake, 'activating-units'), 'redis-server.service\n');
    const r = await f.run(VERIFY, [], { OKOME_VERIFY_SETTLE: '3', OKOME_VERIFY_RETRY_EVERY: '1' });
    expect(r.stdout).toContain('okome-verify: waiting 1s, then retrying: redis-active \n');
    expect(lastLine(r.stdout)).toMatch(/ result=PASS /);
    const calls = readFileSync(join(f.fake, 'calls.log'), 'utf8').split('\n').filter((l) => l === 'systemctl is-active redis-server.service');
    expect(calls).toHaveLength(2);
  });

  it('without okome.env: FAIL okome-env, role unknown', async () => {
    const f = fixture('cn01');
    rmSync(join(f.root, 'etc/okome/okome.env'));
    const r = await f.run();
    expect(lastLine(r.stdout)).toBe('OKOME-VERIFY role=unknown result=FAIL checks=0/1 failed=okome-env');
    expect(r.stdout).toContain('FAIL okome-env: cannot read /etc/okome/okome.env (rendered from overlays/common/etc/okome/okome.env.hbs)\n');
  });
});

describe.concurrent('role checkers join the verdict', () => {
  it('adds their checks, leaves out names it checks itself, and fails a checker that reports nothing', async () => {
    const f = fixture('cn01', { EXTRA_CHECKERS: "'okome-fake-checker okome-silent-checker'" });
    const bin = join(f.fake, 'bin');
    cpSync(join(FIX, 'bin'), bin, { recursive: true });
    writeFileSync(join(bin, 'okome-fake-checker'), '#!/bin/sh\necho "PASS redis-ping: would be a duplicate"\necho "FAIL redis-maxmemory: maxmemory is 0 (want 268435456)"\necho "PASS thp-off: never"\nexit 1\n', { mode: 0o755 });
    writeFileSync(join(bin, 'okome-silent-checker'), '#!/bin/sh\necho "cannot read /etc/okome/backend.env" >&2\nexit 2\n', { mode: 0o755 });
    const r = await f.run(VERIFY, [], { PATH: `${bin}:${process.env.PATH}` });
    const n = BACKEND_CHECKS.length + 4;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn01 result=FAIL checks=${n - 2}/${n} failed=okome-silent-checker,redis-maxmemory`);
    expect(r.stdout).toContain('PASS redis-ping: PONG from 127.0.0.1:');
    expect(r.stdout).toContain('PASS okome-fake-checker: okome-fake-checker reported 3 check(s)\n');
    expect(r.stdout).toContain('FAIL redis-maxmemory: maxmemory is 0 (want 268435456)\n');
    expect(r.stdout).toContain('FAIL okome-silent-checker: okome-silent-checker reported no check (got: cannot read /etc/okome/backend.env)\n');
  });
});

describe.concurrent('the real okome-backend-check as cn01\'s role checker', () => {
  it('its Redis checks join the verdict; the ones okome-verify runs itself are not counted twice', async () => {
    const f = fixture('cn01', { EXTRA_CHECKERS: 'okome-backend-check' });
    const bin = join(f.fake, 'bin');
    mkdirSync(bin);
    cpSync(join(REPO, 'scripts/backend/okome-backend-check.sh'), join(bin, 'okome-backend-check'));
    chmodSync(join(bin, 'okome-backend-check'), 0o755);
    const tpl = 'overlays/backend/etc/okome/backend.env.hbs';
    writeFileSync(join(f.root, 'etc/okome/backend.env'), `${renderTemplate(tpl, readFileSync(join(REPO, tpl), 'utf8'), contextFor('cn01'))}REDIS_PORT=${redisPort}\n`);
    // The checker's own overrides: this host's Redis, and only the checks it can answer here.
    const r = await f.run(VERIFY, [], {
      PATH: `${bin}:${join(FIX, 'bin')}:${process.env.PATH}`,
      REDIS_ADDRESS: '127.0.0.1',
      CHECKS: 'redis-active redis-ping redis-ping-lan redis-auth redis-acl-health redis-aof',
    });
    const names = f.json().checks.map((c: { name: string }) => c.name);
    expect(names).toEqual([...BACKEND_CHECKS, 'okome-backend-check', 'redis-ping-lan', 'redis-acl-health', 'redis-aof']);
    const n = names.length;
    expect(lastLine(r.stdout)).toBe(`OKOME-VERIFY role=cn01 result=PASS checks=${n}/${n}`);
    expect(r.stdout).toContain('PASS okome-backend-check: okome-backend-check reported 6 check(s)\n');
  });
});

describe.concurrent('okome-validate', () => {
  it('exits 0 on PASS and 1 on FAIL, prints every check, and leaves the consoles alone', async () => {
    const ok = fixture('cn01');
    const pass = await sh(VALIDATE, [], { ROOT: ok.root, FAKE_DIR: ok.fake, PATH: `${join(FIX, 'bin')}:${process.env.PATH}` });
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('PASS hostname: kernel hostname is CN01\n');
    expect(lastLine(pass.stdout)).toMatch(/^OKOME-VERIFY role=cn01 result=PASS /);
    expect(ok.read('dev/ttyAMA0')).toBe('');

    const bad = fixture('cn01');
    writeFileSync(join(bad.root, 'proc/sys/kernel/hostname'), 'raspberrypi\n');
    const fail = await sh(VALIDATE, [], { ROOT: bad.root, FAKE_DIR: bad.fake, PATH: `${join(FIX, 'bin')}:${process.env.PATH}` });
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain("FAIL hostname: kernel hostname is 'raspberrypi', expected 'CN01'\n");
    expect(bad.json().result).toBe('FAIL');
  });
});

describe.concurrent('shell quality', () => {
  it('shellcheck passes on the device scripts and the fakes', async () => {
    const scripts = ['okome-verify.sh', 'okome-validate.sh', 'okome-firstboot.sh'].map((s) => join(REPO, 'scripts/common', s));
    const r = await sh('shellcheck', ['-x', ...scripts], {});
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
    const fakes = await sh('shellcheck', ['-s', 'bash', ...['systemctl', 'ip', 'sshd', 'nft', 'fail2ban-client', 'findmnt', 'sysctl', 'journalctl', 'nginx', 'ssh-keygen', 'growpart', 'resize2fs', 'systemd-machine-id-setup'].map((b) => join(FIX, 'bin', b))], {});
    expect(fakes.stdout + fakes.stderr).toBe('');
  });
});

