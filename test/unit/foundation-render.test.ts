// The foundation payload (layer common) as rendered for both roles and for config variants:
// exact lines of each device file, modes, and the per-kind unit and package plans. Pure.
import { describe, expect, it } from 'vitest';
import type { FleetInput } from '../../build/config/schema.ts';
import { planStagePackages } from '../../build/plan/packages.ts';
import { planSysctl } from '../../build/plan/sysctl.ts';
import { COMMON_UNITS, planUnits } from '../../build/plan/units.ts';
import { FAKE_SECRETS } from '../../build/plan/secrets.ts';
import { fleetWith, renderFilesFor } from '../helpers.ts';

const ROLES = ['cn00', 'cn01'] as const;
const ADDR = { cn00: '192.168.86.20', cn01: '192.168.86.19' } as const;
const HOST = { cn00: 'CN00', cn01: 'CN01' } as const;

function file(role: string, path: string, files = renderFilesFor(role)): string {
  const f = files.get(path);
  if (!f) throw new Error(`${path} is not rendered for ${role}`);
  return f.content;
}

/** Lines that are not comments or blank. */
const settings = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));

/** A second frontend, so VRRP peers exist. */
const withSecondFrontend = (f: FleetInput) => {
  (f.roles as Record<string, unknown>).cn02 = {
    kind: 'frontend', hostname: 'CN02', address: '192.168.86.21',
    vrrp: { state: 'BACKUP', priority: 100 }, nginx: { upstream: 'http://192.168.86.10:8080' },
  };
};

describe.each(ROLES)('foundation files of %s', (role) => {
  const files = renderFilesFor(role);
  const get = (p: string) => file(role, p, files);

  it('every foundation template rendered completely', () => {
    const common = [...files.values()].filter((f) => f.source.startsWith('overlays/common/'));
    expect(common.length).toBeGreaterThan(20);
    for (const f of common) expect(f.content, f.path).not.toMatch(/\{\{|\}\}/);
  });

  it('hostname and hosts name this node and the fleet', () => {
    expect(get('/etc/hostname')).toBe(`${HOST[role]}\n`);
    const hosts = settings(get('/etc/hosts'));
    expect(hosts).toContain('127.0.0.1\tlocalhost');
    expect(hosts).toContain('192.168.86.20\tCN00 cn00');
    expect(hosts).toContain('192.168.86.19\tCN01 cn01');
    expect(hosts.some((l) => l.startsWith('127.0.1.1'))).toBe(false);
  });

  it('systemd-networkd: static address on any wired NIC named eth0, end0 or en*', () => {
    expect(settings(get('/etc/systemd/network/10-okome-wired.network'))).toEqual([
      '[Match]', 'Type=ether', 'Name=eth0 end0 en*',
      '[Link]', 'RequiredForOnline=routable',
      '[Network]', `Address=${ADDR[role]}/24`, 'Gateway=192.168.86.1', 'DNS=192.168.86.1',
      'LinkLocalAddressing=no', 'IPv6AcceptRA=no', 'LLDP=no', 'EmitLLDP=no', 'KeepConfiguration=yes',
    ]);
  });

  it('networkd leaves foreign routes and rules (the keepalived VIP) alone', () => {
    expect(settings(get('/etc/systemd/networkd.conf.d/okome.conf'))).toEqual(['[Network]', 'ManageForeignRoutingPolicyRules=no', 'ManageForeignRoutes=no']);
  });

  it('resolv.conf is static, from network.dns', () => {
    expect(settings(get('/etc/resolv.conf'))).toEqual(['nameserver 192.168.86.1', 'options timeout:2 attempts:2']);
  });

  it('NetworkManager keyfile: 0600 root, manual IPv4, wired names only', () => {
    const f = files.get('/etc/NetworkManager/system-connections/okome-wired.nmconnection')!;
    expect([f.mode, f.owner, f.group]).toEqual([0o600, 'root', 'root']);
    const s = settings(f.content);
    expect(s).toEqual(expect.arrayContaining([
      '[connection]', 'id=okome-wired', 'type=ethernet', 'autoconnect=true',
      '[match]', 'interface-name=eth0;end0;en*;',
      '[ipv4]', 'method=manual', `address1=${ADDR[role]}/24,192.168.86.1`, 'dns=192.168.86.1;', 'ignore-auto-dns=true',
      '[ipv6]', 'method=disabled',
    ]));
    expect(s.find((l) => l.startsWith('uuid='))).toMatch(/^uuid=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('journald keeps logs in RAM, capped (systemd wants upper-case units)', () => {
    expect(settings(get('/etc/systemd/journald.conf.d/90-okome.conf'))).toEqual([
      '[Journal]', 'Storage=volatile', 'RuntimeMaxUse=32M', 'RuntimeMaxFileSize=8M', 'MaxRetentionSec=7d', 'Compress=yes', 'ForwardToSyslog=no',
    ]);
  });

  it('sysctl file: every merged key once, each after its why', () => {
    const kind = role === 'cn00' ? 'frontend' : 'backend';
    const lines = get('/etc/sysctl.d/90-okome.conf').split('\n');
    const expected = planSysctl(kind, {});
    const keyLines = lines.filter((l) => /^[a-z]/.test(l));
    expect(keyLines).toEqual(Object.entries(expected).map(([k, e]) => `${k} = ${e.value}`));
    for (const [k, e] of Object.entries(expected)) {
      const i = lines.indexOf(`${k} = ${e.value}`);
      expect(lines[i - 1], k).toBe(`# ${e.why}`);
    }
  });

  it('fstab: root by label with the configured options, bootfs, tmpfs mounts', () => {
    const expected = [
      'LABEL=rootfs\t/\text4\tnoatime,commit=60\t0\t1',
      'LABEL=bootfs\t/boot/firmware\tvfat\tdefaults,noatime\t0\t2',
      'tmpfs\t/tmp\ttmpfs\tsize=64m,mode=1777,nosuid,nodev\t0\t0',
    ];
    if (role === 'cn00') expected.push('tmpfs\t/var/cache/nginx\ttmpfs\tsize=256m,mode=0750,nosuid,nodev\t0\t0');
    expect(settings(get('/etc/fstab'))).toEqual(expected);
  });

  it('Debian raspi-firmware: root by label, serial console last', () => {
    expect(settings(get('/etc/default/raspi-firmware'))).toEqual(['ROOTPART=LABEL=rootfs', 'CONSOLES="tty1 ttyS1,115200"']);
  });

  it('config.txt lines: GPU memory, UART, radios off; the pi-gen copy has the same [all] lines', () => {
    const custom = settings(get('/etc/default/raspi-firmware-custom'));
    expect(custom).toEqual(['[all]', 'gpu_mem=16', 'enable_uart=1', 'dtoverlay=disable-bt', 'dtoverlay=disable-wifi', '[pi4]', 'core_freq=360', '[all]']);
    expect(settings(get('/etc/okome/config.txt.okome'))).toEqual(custom.slice(0, custom.indexOf('[pi4]')));
  });

  it('radios off in the kernel and in NetworkManager', () => {
    expect(settings(get('/etc/modprobe.d/okome-radios.conf'))).toEqual([
      'blacklist brcmfmac', 'blacklist brcmutil', 'blacklist hci_uart', 'blacklist btbcm', 'blacklist bluetooth',
    ]);
    expect(settings(get('/etc/NetworkManager/conf.d/90-okome.conf'))).toEqual(['[device-okome-no-wifi]', 'match-device=type:wifi', 'managed=0']);
  });

  it('admin: keys file, passwordless sudo drop-in 0440', () => {
    expect(get('/etc/okome/admin_authorized_keys')).toBe(`${FAKE_SECRETS.adminKeys.join('\n')}\n`);
    const sudo = files.get('/etc/sudoers.d/okome-admin')!;
    expect([sudo.mode, sudo.owner]).toEqual([0o440, 'root']);
    expect(settings(sudo.content)).toEqual(['okome ALL=(ALL:ALL) NOPASSWD: ALL']);
  });

  it('sshd drop-in: keys only, no root, one user, modern algorithms', () => {
    const s = settings(get('/etc/ssh/sshd_config.d/10-okome-hardening.conf'));
    expect(s).toEqual(expect.arrayContaining([
      'PermitRootLogin no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes',
      'AuthenticationMethods publickey', 'AllowUsers okome', 'MaxAuthTries 3', 'LoginGraceTime 20', 'X11Forwarding no',
    ]));
    const algos = (kw: string) => s.find((l) => l.startsWith(`${kw} `))!.split(' ')[1]!.split(',');
    expect(algos('KexAlgorithms')).not.toContain('diffie-hellman-group14-sha1');
    expect(algos('KexAlgorithms').every((a) => /curve25519|sntrup761|group1[68]-sha512/.test(a))).toBe(true);
    expect(algos('Ciphers').every((c) => /chacha20|gcm|ctr/.test(c))).toBe(true);
    expect(algos('MACs').every((m) => m.includes('-etm@openssh.com'))).toBe(true);
  });

  it('fail2ban: sshd jail on the journal, bans through nftables, database in RAM', () => {
    const jail = settings(get('/etc/fail2ban/jail.d/okome.local'));
    expect(jail).toEqual(expect.arrayContaining(['[sshd]', 'enabled = true', 'backend = systemd', 'banaction = nftables[type=multiport]']));
    expect(jail.indexOf('[sshd]')).toBeLessThan(jail.indexOf('maxretry = 3'));
    expect(settings(get('/etc/fail2ban/fail2ban.d/okome.local'))).toEqual(['[Definition]', 'dbfile = :memory:', 'logtarget = SYSTEMD-JOURNAL']);
  });

  it('node-exporter: textfile collector in the directory tmpfiles.d creates', () => {
    const args = get('/etc/default/prometheus-node-exporter');
    expect(args).toMatch(/^ARGS="--collector\.disable-defaults .*"$/m);
    expect(args).toContain('--collector.textfile.directory=/var/lib/prometheus/node-exporter');
    expect(args).not.toMatch(/--collector\.(processes|systemd|hwmon|mdadm)\b/);
    expect(settings(get('/etc/tmpfiles.d/okome.conf'))).toEqual(['d /var/lib/prometheus/node-exporter 0755 root root -']);
  });

  it('timezone and NTP from the config', () => {
    expect(get('/etc/timezone')).toBe('Etc/UTC\n');
    expect(settings(get('/etc/systemd/timesyncd.conf.d/okome.conf'))).toEqual(['[Time]', 'NTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org']);
  });
});

describe('nftables per role', () => {
  const rules = (role: string, files = renderFilesFor(role)) => settings(file(role, '/etc/nftables.conf', files)).map((l) => l.trim());
  const base = [
    'table inet filter', 'delete table inet filter', 'table inet filter {', 'chain input {',
    'type filter hook input priority filter; policy drop;',
    'ct state established,related accept', 'ct state invalid drop', 'iif "lo" accept',
    'meta l4proto icmp accept', 'meta l4proto ipv6-icmp accept',
    'ip saddr 192.168.86.0/24 tcp dport { 22, 9100 } accept',
  ];

  it('frontend: HTTP from anywhere, no Redis, no VRRP without peers', () => {
    const r = rules('cn00');
    expect(r.slice(0, base.length)).toEqual(base);
    expect(r[base.length]).toBe('tcp dport 80 accept');
    expect(r.join('\n')).not.toMatch(/6379|vrrp/);
    expect(renderFilesFor('cn00').get('/etc/nftables.conf')!.mode).toBe(0o755);
  });

  it('frontend: VRRP from the other frontends only', () => {
    const config = fleetWith(withSecondFrontend);
    expect(rules('cn00', renderFilesFor('cn00', config))).toContain('ip saddr { 192.168.86.21 } ip protocol vrrp accept');
    expect(rules('cn02', renderFilesFor('cn02', config))).toContain('ip saddr { 192.168.86.20 } ip protocol vrrp accept');
  });

  it('backend: Redis only from redis.allowFrom, no HTTP', () => {
    const r = rules('cn01');
    expect(r.slice(0, base.length)).toEqual(base);
    expect(r[base.length]).toBe('ip saddr { 192.168.86.20 } tcp dport 6379 accept');
    expect(r.join('\n')).not.toMatch(/dport 80\b|vrrp/);
    const wide = fleetWith((f) => {
      withSecondFrontend(f);
      const b = (f.roles as Record<string, { redis?: Record<string, unknown> }>).cn01!;
      b.redis = { ...b.redis, port: 6380, allowFrom: ['cn00', 'cn02', '192.168.86.50'] };
    });
    expect(rules('cn01', renderFilesFor('cn01', wide))).toContain('ip saddr { 192.168.86.20, 192.168.86.21, 192.168.86.50 } tcp dport 6380 accept');
  });

  it('SSH and node-exporter follow the LAN prefix', () => {
    const c = fleetWith((f) => { f.network = { ...f.network, prefix: 16 }; });
    expect(rules('cn01', renderFilesFor('cn01', c))).toContain('ip saddr 192.168.0.0/16 tcp dport { 22, 9100 } accept');
  });
});

describe('foundation variants', () => {
  it('boot settings: radios on, HDMI off, no serial console, 32 MB GPU', () => {
    const c = fleetWith((f) => { f.boot = { bluetooth: true, wifi: true, hdmi: false, serialConsole: false, gpuMem: 32 }; });
    const files = renderFilesFor('cn01', c);
    expect(settings(file('cn01', '/etc/default/raspi-firmware-custom', files))).toEqual(['[all]', 'gpu_mem=32', 'hdmi_blanking=2']);
    expect(settings(file('cn01', '/etc/okome/config.txt.okome', files))).toEqual(['[all]', 'gpu_mem=32', 'hdmi_blanking=2']);
    expect(settings(file('cn01', '/etc/default/raspi-firmware', files))).toEqual(['ROOTPART=LABEL=rootfs', 'CONSOLES="tty1"', 'CMA=0']);
    expect(files.has('/etc/modprobe.d/okome-radios.conf')).toBe(false);
    expect(files.has('/etc/NetworkManager/conf.d/90-okome.conf')).toBe(false);
  });

  it('only Wi-Fi off: only the Wi-Fi modules are blacklisted', () => {
    const c = fleetWith((f) => { f.boot = { bluetooth: true }; });
    expect(settings(file('cn00', '/etc/modprobe.d/okome-radios.conf', renderFilesFor('cn00', c)))).toEqual(['blacklist brcmfmac', 'blacklist brcmutil']);
  });

  it('admin user, journald sizes, DNS list, tmpfs list, root options and sysctl overrides come from the config', () => {
    const c = fleetWith((f) => {
      f.admin = { user: 'ops', sshKeys: 'generate' };
      f.journald = { runtimeMaxUse: '64m', runtimeMaxFileSize: '4m', maxRetention: '2d' };
      f.network = { ...f.network, dns: ['192.168.86.1', '192.168.86.2'] };
      f.fstab = { rootOptions: 'noatime,commit=120', tmpfs: [{ path: '/var/tmp', size: '32m', mode: '1777' }] };
      f.sysctl = { 'vm.swappiness': 1 };
    });
    const files = renderFilesFor('cn01', c);
    expect(settings(file('cn01', '/etc/sudoers.d/okome-admin', files))).toEqual(['ops ALL=(ALL:ALL) NOPASSWD: ALL']);
    expect(settings(file('cn01', '/etc/ssh/sshd_config.d/10-okome-hardening.conf', files))).toContain('AllowUsers ops');
    expect(settings(file('cn01', '/etc/systemd/journald.conf.d/90-okome.conf', files))).toEqual(expect.arrayContaining(['RuntimeMaxUse=64M', 'RuntimeMaxFileSize=4M', 'MaxRetentionSec=2d']));
    expect(settings(file('cn01', '/etc/systemd/network/10-okome-wired.network', files))).toEqual(expect.arrayContaining(['DNS=192.168.86.1', 'DNS=192.168.86.2']));
    expect(settings(file('cn01', '/etc/NetworkManager/system-connections/okome-wired.nmconnection', files))).toContain('dns=192.168.86.1;192.168.86.2;');
    expect(settings(file('cn01', '/etc/resolv.conf', files))).toEqual(['nameserver 192.168.86.1', 'nameserver 192.168.86.2', 'options timeout:2 attempts:2']);
    expect(settings(file('cn01', '/etc/fstab', files)).filter((l) => l.startsWith('tmpfs') || l.startsWith('LABEL=rootfs'))).toEqual([
      'LABEL=rootfs\t/\text4\tnoatime,commit=120\t0\t1', 'tmpfs\t/var/tmp\ttmpfs\tsize=32m,mode=1777,nosuid,nodev\t0\t0',
    ]);
    const sysctl = file('cn01', '/etc/sysctl.d/90-okome.conf', files).split('\n');
    expect(sysctl[sysctl.indexOf('vm.swappiness = 1') - 1]).toBe('# set in image.config.ts');
  });
});

describe('foundation units and packages', () => {
  it.each(['frontend', 'backend'] as const)('%s: foundation services enabled, radios/mDNS/SD-wearing jobs masked', (kind) => {
    const u = planUnits(kind);
    expect(u.enable).toEqual(expect.arrayContaining(['systemd-timesyncd.service', 'ssh.service', 'nftables.service', 'fail2ban.service', 'prometheus-node-exporter.service']));
    expect(u.enable).not.toContain('systemd-networkd.service'); // the stage enables it, on the Debian base only
    expect(u.mask).toEqual(expect.arrayContaining(['bluetooth.service', 'hciuart.service', 'avahi-daemon.service', 'avahi-daemon.socket', 'wpa_supplicant.service', 'systemd-resolved.service', 'dphys-swapfile.service']));
    expect(u.enable.filter((x) => u.mask.includes(x))).toEqual([]);
    expect(planStagePackages(kind)).toEqual(expect.arrayContaining(['nftables', 'fail2ban', 'python3-systemd', 'prometheus-node-exporter', 'tzdata']));
  });

  it('no unit is both enabled and masked in the foundation block', () => {
    expect(COMMON_UNITS.enable.filter((x) => COMMON_UNITS.mask.includes(x))).toEqual([]);
  });
});
