// keepalived.conf for the VIP: the values per frontend, and the host's real keepalived
// (`keepalived -t`, config test) on each rendered variant.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../build/config/resolve.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { makeRenderContext } from '../../build/render/context.ts';
import { defaultFleet, fleetWith, REPO, renderFilesFor } from '../helpers.ts';

const withCn02 = () => fleetWith((f) => {
  f.roles.cn02 = { kind: 'frontend', hostname: 'CN02', address: '192.168.86.22', vrrp: { state: 'BACKUP', priority: 100 }, nginx: { upstream: 'http://192.168.86.10:8080' } };
});
const conf = (role: string, config = resolveConfig(defaultFleet)) => renderFilesFor(role, config).get('/etc/keepalived/keepalived.conf')!;
const peersOf = (text: string) => (/unicast_peer \{\n([^}]*)\}/.exec(text)?.[1] ?? "").split("\n").map((l) => l.trim()).filter(Boolean);

describe('keepalived.conf values', () => {
  it('cn00 alone: MASTER 150, router id 18, the VIP on eth0, auth PASS, nginx health tracked, mode 0600', () => {
    const f = conf('cn00');
    expect(f.mode).toBe(0o600);
    expect(f.content).toContain('    state MASTER\n');
    expect(f.content).toContain('    priority 150\n');
    expect(f.content).toContain('    virtual_router_id 18\n');
    expect(f.content).toContain('    interface eth0\n');
    // Alone in the fleet: no unicast keywords (keepalived warns about unicast without peers).
    expect(f.content).not.toContain('unicast_src_ip');
    expect(peersOf(f.content)).toEqual([]);
    expect(f.content).toContain('        192.168.86.18/24 dev eth0 label eth0:vip\n');
    expect(f.content).toContain('        auth_type PASS\n        auth_pass testpass\n');
    expect(f.content).toContain('script "/usr/bin/curl -fsS -o /dev/null --max-time 3 http://127.0.0.1:80/okome-health"');
    expect(f.content).toContain('notify "/usr/local/sbin/okome-keepalived-notify"');
    // A stopped nginx must release the VIP within 5 s: tracked as a process (kernel events), not polled.
    expect(f.content).toMatch(/vrrp_track_process okome_nginx_running \{\n    process nginx\n/);
    expect(f.content).toMatch(/track_process \{\n        okome_nginx_running\n    \}/);
  });

  it('a second frontend in the config: cn02 renders BACKUP 100, and the two name each other as unicast peers', () => {
    const config = withCn02();
    const cn00 = conf('cn00', config).content;
    const cn02 = conf('cn02', config).content;
    expect(peersOf(cn00)).toEqual(['192.168.86.22']);
    expect(peersOf(cn02)).toEqual(['192.168.86.20']);
    expect(cn02).toContain('    state BACKUP\n');
    expect(cn02).toContain('    priority 100\n');
    expect(cn02).toContain('    router_id CN02\n');
    expect(cn02).toContain('    unicast_src_ip 192.168.86.22\n');
    for (const line of ['    virtual_router_id 18\n', '192.168.86.18/24', 'auth_pass testpass\n']) expect(cn02).toContain(line);
    const files = renderFilesFor('cn02', config);
    expect(files.get('/etc/nginx/conf.d/okome.conf')!.content).toContain('add_header X-OKOME-Node "CN02" always;');
    expect(files.get('/usr/local/sbin/okome-health-probe')!.mode).toBe(0o755);
  });

  it('refuses an auth_pass longer than VRRP PASS authentication keeps', () => {
    expect(() => makeRenderContext(resolveConfig(defaultFleet), 'cn00', { ...FAKE_SECRETS, keepalivedPass: 'ninechars' }))
      .toThrow('keepalived auth_pass must be 1 to 8 characters');
  });
});

describe('keepalived -t on the rendered files', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'okome-keepalived-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // keepalived refuses a missing interface and loopback; use one the host has.
  const iface = Object.keys(networkInterfaces()).find((n) => n !== 'lo') ?? 'eth0';

  /** keepalived 2.2 ends a config test by SIGTERM to itself, so its output is the verdict. */
  function configTest(name: string, text: string): { output: string; ended: boolean } {
    const file = join(tmp, `${name}.conf`);
    writeFileSync(file, text
      .replaceAll('interface eth0', `interface ${iface}`)
      .replaceAll('dev eth0 label eth0:vip', `dev ${iface} label ${iface}:vip`)
      .replaceAll('/usr/local/sbin/okome-keepalived-notify', join(REPO, 'scripts/frontend/okome-keepalived-notify.sh')), { mode: 0o600 });
    const r = spawnSync('keepalived', ['-t', '-f', file], { encoding: 'utf8', timeout: 10_000 });
    return { output: `${r.stdout}${r.stderr}`.trim(), ended: r.status === 0 || r.signal === 'SIGTERM' };
  }

  const config = withCn02();
  for (const [name, text] of [['cn00', conf('cn00').content], ['cn00 with cn02', conf('cn00', config).content], ['cn02', conf('cn02', config).content]] as const) {
    it(`accepts ${name} without a warning`, () => {
      const r = configTest(name.replaceAll(' ', '-'), text);
      expect(r.output).toBe('');
      expect(r.ended).toBe(true);
    });
  }

  it('okome-frontend-check runs the same config test on the device file', () => {
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'etc/keepalived'), { recursive: true });
    mkdirSync(join(root, 'etc/okome'), { recursive: true });
    writeFileSync(join(root, 'etc/okome/frontend.env'), renderFilesFor('cn00').get('/etc/okome/frontend.env')!.content);
    const good = configTest('device', conf('cn00').content);
    expect(good.output).toBe('');
    renameSync(join(tmp, 'device.conf'), join(root, 'etc/keepalived/keepalived.conf'));
    const check = (checks: string) => spawnSync('bash', [join(REPO, 'scripts/frontend/okome-frontend-check.sh')], {
      encoding: 'utf8', env: { PATH: process.env.PATH!, ROOT: root, CHECKS: checks, SYSTEMCTL: 'echo' },
    });
    const r = check('keepalived-config');
    expect(r.stdout).toBe('PASS keepalived-config: keepalived -t -f /etc/keepalived/keepalived.conf printed no problem\n');
    expect(r.status).toBe(0);
    const t = check('hit-ratio-timer');
    expect(t.stdout).toBe('FAIL hit-ratio-timer: okome-hit-ratio.timer is is-active okome-hit-ratio.timer, expected active\n');
    expect(t.status).toBe(1);
  });

  it('does complain about a broken file (so an empty output above means something)', () => {
    const r = configTest('broken', conf('cn00').content.replace('advert_int', 'advert_intt'));
    expect(r.output).toContain("Unknown keyword 'advert_intt'");
  });
});
