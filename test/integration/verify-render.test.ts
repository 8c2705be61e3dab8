// What the images carry for first boot and verification, as rendered from the default fleet:
// okome.env (the expectations), the two units, the three scripts, and the units enabled.
import { describe, expect, it } from 'vitest';
import { planUnits } from '../../build/plan/units.ts';
import { fleetWith, renderFilesFor } from '../helpers.ts';

const envOf = (content: string) => Object.fromEntries(content.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('first boot and verification in the rendered images', () => {
  it('cn00 okome.env names the frontend expectations', () => {
    const files = renderFilesFor('cn00');
    expect(envOf(files.get('/etc/okome/okome.env')!.content)).toEqual({
      ROLE: 'cn00', KIND: 'frontend', HOSTNAME: 'CN00', ADDRESS: '192.168.86.20', PREFIX: '24', GATEWAY: '192.168.86.1',
      IFACE: 'eth0', DNS: '192.168.86.1', VIP: '192.168.86.18', REDIS_PORT: '6379', BACKENDS: '192.168.86.19:6379',
      NGINX_PORT: '80', TMPFS: "'/tmp /var/cache/nginx'", ROOT_OPTIONS: 'noatime,commit=60', ADMIN_USER: 'okome',
      NFT_TABLE: "'inet filter'", NODE_EXPORTER_URL: 'http://127.0.0.1:9100/metrics',
      ACTIVE_UNITS: "'ssh-active=ssh.service nginx-active=nginx.service keepalived-active=keepalived.service health-probe-timer=okome-health-probe.timer prewarm-timer=okome-prewarm.timer'",
      EXTRA_CHECKERS: 'okome-frontend-check',
    });
  });

  it('cn01 okome.env names the backend expectations and its role checker', () => {
    const env = envOf(renderFilesFor('cn01').get('/etc/okome/okome.env')!.content);
    expect(env).toMatchObject({ ROLE: 'cn01', KIND: 'backend', HOSTNAME: 'CN01', ADDRESS: '192.168.86.19', VIP: "''", BACKENDS: "''", TMPFS: '/tmp',
      ACTIVE_UNITS: "'ssh-active=ssh.service redis-active=redis-server.service'", EXTRA_CHECKERS: 'okome-backend-check' });
  });

  it('a frontend only expects the backends whose redis.allowFrom admits it', () => {
    const config = fleetWith((f) => {
      const cn00 = f.roles!.cn00 as Record<string, unknown>;
      f.roles!.cn02 = { ...cn00, hostname: 'CN02', address: '192.168.86.21', vrrp: { state: 'BACKUP', priority: 100 } } as never;
    });
    expect(envOf(renderFilesFor('cn00', config).get('/etc/okome/okome.env')!.content).BACKENDS).toBe('192.168.86.19:6379');
    expect(envOf(renderFilesFor('cn02', config).get('/etc/okome/okome.env')!.content).BACKENDS).toBe("''");
    const open = fleetWith((f) => {
      (f.roles!.cn01 as { redis: { allowFrom: string[] } }).redis.allowFrom = [];
      f.roles!.cn02 = { ...(f.roles!.cn00 as object), hostname: 'CN02', address: '192.168.86.21', vrrp: { state: 'BACKUP', priority: 100 } } as never;
    });
    expect(envOf(renderFilesFor('cn02', open).get('/etc/okome/okome.env')!.content).BACKENDS).toBe('192.168.86.19:6379');
  });

  it.each(['cn00', 'cn01'])('%s: scripts installed 0755, units shipped and enabled, ordering as first boot needs', (role) => {
    const files = renderFilesFor(role);
    for (const s of ['okome-verify', 'okome-validate', 'okome-firstboot']) expect(files.get(`/usr/local/sbin/${s}`)?.mode).toBe(0o755);
    const firstboot = files.get('/etc/systemd/system/okome-firstboot.service')!.content;
    expect(firstboot).toMatch(/^ConditionPathExists=!\/var\/lib\/okome\/firstboot\.done$/m);
    expect(firstboot).toMatch(/^Before=.*\bssh\.service\b.*\bokome-verify\.service\b/m);
    const verify = files.get('/etc/systemd/system/okome-verify.service')!.content;
    const after = verify.match(/^After=(.*)$/m)![1]!.split(' ');
    expect(after).toEqual(expect.arrayContaining(['okome-firstboot.service', 'network-online.target', 'ssh.service', 'nftables.service',
      ...(role === 'cn00' ? ['nginx.service', 'keepalived.service'] : ['redis-server.service'])]));
    expect(verify).toMatch(/^Wants=network-online\.target$/m);
    expect(planUnits(role === 'cn00' ? 'frontend' : 'backend').enable).toEqual(expect.arrayContaining(['okome-firstboot.service', 'okome-verify.service']));
  });
});
