// okome-chaos, run for real by bash: the CHAOS_ENABLE guard, --dry-run plans, role refusals,
// and real short runs with systemctl / nft / logger pointed at an argv-recording stub.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers.ts';

const SCRIPT = join(REPO, 'scripts/common/okome-chaos.sh');
const RECORDER = join(REPO, 'test/fixtures/bin/argv-recorder');

let dir = '';
let bin = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'okome-chaos-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const name of ['systemctl', 'nft', 'logger']) symlinkSync(RECORDER, join(bin, name));
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** Run the script with stubs only (a real `sleep` of 1 s where a real run is wanted). */
function chaos(args: string[], env: Record<string, string>, record = join(dir, `rec-${Math.random().toString(36).slice(2)}`)) {
  const run = execa('bash', [SCRIPT, ...args], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: process.env.PATH!, ROOT: join(dir, 'root'), RECORD_FILE: record,
      SYSTEMCTL: join(bin, 'systemctl'), NFT: join(bin, 'nft'), LOGGER: join(bin, 'logger'), ...env,
    },
  });
  return { run, record: () => (existsSync(record) ? readFileSync(record, 'utf8') : '') };
}

describe('the CHAOS_ENABLE guard', () => {
  it.each([[{}], [{ CHAOS_ENABLE: '0' }], [{ CHAOS_ENABLE: 'yes' }]])('refuses without CHAOS_ENABLE=1 (%o) and runs nothing', async (env) => {
    const { run, record } = chaos(['redis-stop', '5'], { OKOME_KIND: 'backend', ...env });
    const r = await run;
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('CHAOS_ENABLE is not 1');
    expect(r.stderr).toContain(`got: '${(env as { CHAOS_ENABLE?: string }).CHAOS_ENABLE ?? 'unset'}'`);
    expect(record()).not.toMatch(/^(systemctl|nft)/m);
  });
});

describe('--dry-run prints the exact commands and changes nothing', () => {
  const cases: [string, string[], string, string[], string][] = [
    ['redis-stop', ['redis-stop', '30'], 'backend', ['systemctl stop redis-server.service'], 'systemctl start redis-server.service'],
    ['redis-kill', ['redis-kill'], 'backend', ['systemctl kill --signal=SIGKILL redis-server.service'], 'systemctl start redis-server.service'],
    ['nginx-restart', ['nginx-restart'], 'frontend', ['systemctl restart nginx.service'], 'systemctl start nginx.service'],
    ['partition', ['partition', '192.168.86.20', '30'], 'backend', [
      'nft add table inet okome-chaos',
      "nft add chain inet okome-chaos input '{ type filter hook input priority -10 ; policy accept ; }'",
      'nft add rule inet okome-chaos input ip saddr 192.168.86.20 counter drop',
      "nft add chain inet okome-chaos output '{ type filter hook output priority -10 ; policy accept ; }'",
      'nft add rule inet okome-chaos output ip daddr 192.168.86.20 counter drop',
    ], 'nft delete table inet okome-chaos'],
    ['fill-cache', ['fill-cache', '16', '30'], 'frontend', ['dd if=/dev/zero of=ROOT/var/cache/nginx/okome-chaos-fill bs=1M count=16 status=none'], 'rm -f ROOT/var/cache/nginx/okome-chaos-fill'],
  ];
  it.each(cases)('%s', async (_name, args, kind, does, undo) => {
    mkdirSync(join(dir, 'root/var/cache/nginx'), { recursive: true });
    const { run, record } = chaos(['--dry-run', ...args], { OKOME_KIND: kind, SYSTEMCTL: 'systemctl', NFT: 'nft' });
    const r = await run;
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = r.stdout.replaceAll(join(dir, 'root'), 'ROOT');
    expect(out).toContain('dry run: nothing is changed');
    expect(out.split('\n').filter((l) => l.startsWith('  do:')).map((l) => l.replace(/^ {2}do: +/, ''))).toEqual(does);
    expect(out).toContain(`  restore: ${undo}`);
    expect(out).toMatch(/^ {2}wait: +sleep \d+$/m);
    expect(record()).toBe('');
    expect(readdirSync(join(dir, 'root/var/cache/nginx'))).toEqual([]);
  });
});

describe('role and argument refusals', () => {
  it.each([['redis-stop', '5'], ['redis-kill']])('refuses %s on a frontend and says why', async (...args) => {
    const r = await chaos(args, { OKOME_KIND: 'frontend', CHAOS_ENABLE: '1' }).run;
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`refusing ${args[0]}: it needs a backend (Redis runs only on backend nodes such as CN01); this node is a frontend`);
  });

  it('knows the kind from the image\'s settings file when OKOME_KIND is unset', async () => {
    const root = join(dir, 'fe-root');
    mkdirSync(join(root, 'etc/okome'), { recursive: true });
    await execa('touch', [join(root, 'etc/okome/frontend.env')]);
    const r = await chaos(['--dry-run', 'redis-stop', '5'], { ROOT: root }).run;
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('this node is a frontend');
  });

  it('reads KIND from /etc/okome/okome.env (the common settings file) first', async () => {
    const root = join(dir, 'be-root');
    mkdirSync(join(root, 'etc/okome'), { recursive: true });
    writeFileSync(join(root, 'etc/okome/okome.env'), "ROLE=cn01\nKIND='backend'\n");
    const be = await chaos(['--dry-run', 'redis-stop', '5'], { ROOT: root }).run;
    expect([be.exitCode, be.stdout]).toEqual([0, expect.stringContaining('on this backend node')]);
    writeFileSync(join(root, 'etc/okome/okome.env'), 'KIND=frontend\n');
    const fe = await chaos(['--dry-run', 'redis-stop', '5'], { ROOT: root }).run;
    expect([fe.exitCode, fe.stderr]).toEqual([4, expect.stringContaining('this node is a frontend (from OKOME_KIND or')]);
  });

  it('refuses nginx-restart on a backend, a bad peer address and a bad duration', async () => {
    expect((await chaos(['nginx-restart'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' }).run).stderr).toContain('it needs a frontend node');
    const bad = await chaos(['partition', '192.168.86.300', '5'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' }).run;
    expect([bad.exitCode, bad.stderr]).toEqual([2, "okome-chaos: partition needs a peer IPv4 address (got: '192.168.86.300': 300 is above 255)"]);
    const dur = await chaos(['redis-stop', 'soon'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' }).run;
    expect([dur.exitCode, dur.stderr]).toEqual([2, "okome-chaos: redis-stop <seconds> must be a whole number of seconds from 1 to 3600 (got: 'soon')"]);
  });
});

describe('a real short run restores itself', () => {
  it('partition: creates its own nft table, waits, deletes it, and logs each step', async () => {
    const { run, record } = chaos(['partition', '192.0.2.7', '1'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' });
    const r = await run;
    expect(r.exitCode).toBe(0);
    const calls = record().split('\n').filter((l) => l.startsWith('nft '));
    expect(calls[0]).toBe('nft add table inet okome-chaos');
    expect(calls).toContain('nft add rule inet okome-chaos input ip saddr 192.0.2.7 counter drop');
    expect(calls).toContain('nft add rule inet okome-chaos output ip daddr 192.0.2.7 counter drop');
    expect(calls.at(-1)).toBe('nft delete table inet okome-chaos');
    expect(record()).toMatch(/^logger -t okome-chaos -- start: partition 192\.0\.2\.7 1 for 1 s on this backend node$/m);
    expect(record()).toMatch(/^logger -t okome-chaos -- restored: .*nft delete table inet okome-chaos$/m);
    expect(r.stdout).toContain('okome-chaos: restored:');
  });

  it('redis-stop: stops, then starts Redis again after its time', async () => {
    const { run, record } = chaos(['redis-stop', '1'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' });
    expect((await run).exitCode).toBe(0);
    expect(record().split('\n').filter((l) => l.startsWith('systemctl '))).toEqual([
      'systemctl stop redis-server.service', 'systemctl start redis-server.service',
    ]);
  });

  it('restores even when it is interrupted (SIGTERM during the wait)', async () => {
    const { run, record } = chaos(['redis-stop', '60'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1' });
    const until = Date.now() + 5000;
    while (!record().includes('systemctl stop') && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
    run.kill('SIGTERM');
    const r = await run;
    expect(r.exitCode).toBe(143);
    expect(record()).toContain('systemctl start redis-server.service');
  });

  it('restores when a step fails, and says which', async () => {
    const { run, record } = chaos(['redis-stop', '1'], { OKOME_KIND: 'backend', CHAOS_ENABLE: '1', RECORD_EXIT: '1' });
    const r = await run;
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toContain(`failed: '${join(bin, 'systemctl')} stop redis-server.service' exited 1`);
    expect(record()).toContain('systemctl start redis-server.service');
    expect(r.stdout).toContain('restore FAILED');
  });

  it('fill-cache: writes the fill file into the cache dir and removes it', async () => {
    const root = join(dir, 'fill-root');
    mkdirSync(join(root, 'var/cache/nginx'), { recursive: true });
    const { run } = chaos(['fill-cache', '2', '1'], { OKOME_KIND: 'frontend', CHAOS_ENABLE: '1', ROOT: root });
    const r = await run;
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`run: dd if=/dev/zero of=${root}/var/cache/nginx/okome-chaos-fill bs=1M count=2 status=none`);
    expect(r.stdout).toContain(`restored: rm -f ${root}/var/cache/nginx/okome-chaos-fill`);
    expect(readdirSync(join(root, 'var/cache/nginx'))).toEqual([]);
  });
});
