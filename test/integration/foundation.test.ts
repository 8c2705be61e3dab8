// The foundation payload checked by the real programs that will read it: sshd -T (OpenSSH),
// nft -c (nftables), fail2ban-client -t/-d, visudo -c, findmnt --verify, sh sourcing the
// raspi-firmware defaults, and the host kernel's /proc/sys for every sysctl key.
// Each rendered file is written to a temp dir first; nothing is applied to the host.
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetInput } from '../../build/config/schema.ts';
import type { RenderedFile } from '../../build/render/overlay.ts';
import { fleetWith, renderFilesFor } from '../helpers.ts';

const TMP = mkdtempSync(join(tmpdir(), 'okome-foundation-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function findTool(name: string): string | undefined {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => join(d, name)).find((p) => existsSync(p));
}
const SSHD = findTool('sshd');
const NFT = findTool('nft');
const F2B = findTool('fail2ban-client');
const VISUDO = findTool('visudo');
const FINDMNT = findTool('findmnt');
const SSH_KEYGEN = findTool('ssh-keygen');

let counter = 0;
/** Write one rendered file under a fresh temp dir; returns its host path. */
function put(f: RenderedFile | string, path?: string): string {
  const content = typeof f === 'string' ? f : f.content;
  const p = join(TMP, String(counter++), path ?? (f as RenderedFile).path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

const withSecondFrontend = (f: FleetInput) => {
  (f.roles as Record<string, unknown>).cn02 = {
    kind: 'frontend', hostname: 'CN02', address: '192.168.86.21',
    vrrp: { state: 'BACKUP', priority: 100 }, nginx: { upstream: 'http://192.168.86.10:8080' },
  };
};

describe.skipIf(!NFT)('nftables.conf checked by nft -c', () => {
  const cases: [string, string, ReturnType<typeof fleetWith> | undefined][] = [
    ['cn00 (frontend)', 'cn00', undefined],
    ['cn01 (backend)', 'cn01', undefined],
    ['cn00 with a VRRP peer', 'cn00', fleetWith(withSecondFrontend)],
    ['cn01 allowing three sources', 'cn01', fleetWith((f) => {
      withSecondFrontend(f);
      (f.roles as Record<string, { redis?: object }>).cn01!.redis = { allowFrom: ['cn00', 'cn02', '192.168.86.50'] };
    })],
  ];

  it.each(cases)('%s parses and type-checks', async (_name, role, config) => {
    const p = put(renderFilesFor(role, config).get('/etc/nftables.conf')!);
    const r = await execa(NFT!, ['-c', '-f', p], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('the check has teeth: a broken rule is refused', async () => {
    const text = renderFilesFor('cn00').get('/etc/nftables.conf')!.content.replace('192.168.86.0/24', '192.168.86.0/33');
    const r = await execa(NFT!, ['-c', '-f', put(text, '/etc/nftables.conf')], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Error/);
  });
});

describe.skipIf(!SSHD || !SSH_KEYGEN)('sshd drop-in checked by sshd -T (OpenSSH on the host)', () => {
  /** sshd_config as on the device: the drop-in directory included first, then Debian's defaults. */
  async function effective(dropIn: string, user = 'okome'): Promise<{ exitCode: number; out: Map<string, string>; stderr: string }> {
    const dir = join(TMP, `sshd-${counter++}`);
    mkdirSync(join(dir, 'sshd_config.d'), { recursive: true });
    writeFileSync(join(dir, 'sshd_config.d', '10-okome-hardening.conf'), dropIn);
    const debian = existsSync('/etc/ssh/sshd_config') ? readFileSync('/etc/ssh/sshd_config', 'utf8').replace(/^Include .*$/gm, '') : '';
    writeFileSync(join(dir, 'sshd_config'), `Include ${dir}/sshd_config.d/*.conf\n${debian}`);
    await execa(SSH_KEYGEN!, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    // As root sshd insists on its privilege-separation directory (ssh.service creates it on the device).
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    const r = await execa(SSHD!, ['-T', '-f', join(dir, 'sshd_config'), '-h', join(dir, 'host_key'), '-C', `user=${user},host=lan,addr=192.168.86.5`], { reject: false });
    const out = new Map(r.stdout.split('\n').filter(Boolean).map((l) => [l.split(' ')[0]!, l.slice(l.indexOf(' ') + 1)] as [string, string]));
    return { exitCode: r.exitCode ?? -1, out, stderr: r.stderr };
  }

  it.each(['cn00', 'cn01'])('%s: the effective settings are the hardened ones', async (role) => {
    const dropIn = renderFilesFor(role).get('/etc/ssh/sshd_config.d/10-okome-hardening.conf')!.content;
    const { exitCode, out, stderr } = await effective(dropIn);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(Object.fromEntries(['permitrootlogin', 'passwordauthentication', 'kbdinteractiveauthentication', 'pubkeyauthentication',
      'authenticationmethods', 'allowusers', 'maxauthtries', 'logingracetime', 'x11forwarding', 'permitemptypasswords'].map((k) => [k, out.get(k)]))).toEqual({
      permitrootlogin: 'no', passwordauthentication: 'no', kbdinteractiveauthentication: 'no', pubkeyauthentication: 'yes',
      authenticationmethods: 'publickey', allowusers: 'okome', maxauthtries: '3', logingracetime: '20', x11forwarding: 'no', permitemptypasswords: 'no',
    });
    const line = (kw: string) => dropIn.split('\n').find((l) => l.startsWith(`${kw} `))!.split(' ')[1];
    expect(out.get('kexalgorithms')).toBe(line('KexAlgorithms'));
    expect(out.get('ciphers')).toBe(line('Ciphers'));
    expect(out.get('macs')).toBe(line('MACs'));
  });

  it('the check has teeth: an algorithm OpenSSH does not know is refused', async () => {
    const dropIn = renderFilesFor('cn00').get('/etc/ssh/sshd_config.d/10-okome-hardening.conf')!.content.replace(/^Ciphers .*$/m, 'Ciphers not-a-cipher');
    const { exitCode, stderr } = await effective(dropIn);
    expect(exitCode).not.toBe(0);
    expect(stderr).toMatch(/not-a-cipher/);
  });
});

describe.skipIf(!F2B || !existsSync('/etc/fail2ban/jail.conf'))('fail2ban config checked by fail2ban-client', () => {
  it.each(['cn00', 'cn01'])('%s: -t passes and -d shows the sshd jail on the journal, nftables bans, RAM database', async (role) => {
    const files = renderFilesFor(role);
    const dir = join(TMP, `f2b-${counter++}`);
    cpSync('/etc/fail2ban', dir, { recursive: true });
    writeFileSync(join(dir, 'jail.d', 'okome.local'), files.get('/etc/fail2ban/jail.d/okome.local')!.content);
    writeFileSync(join(dir, 'fail2ban.d', 'okome.local'), files.get('/etc/fail2ban/fail2ban.d/okome.local')!.content);
    const t = await execa(F2B!, ['-c', dir, '-t'], { reject: false });
    expect(t.stdout).toContain('OK: configuration test is successful');
    expect(t.exitCode).toBe(0);
    const d = (await execa(F2B!, ['-c', dir, '-d'], { reject: false })).stdout.split('\n');
    expect(d).toEqual(expect.arrayContaining([
      "['set', 'dbfile', ':memory:']",
      "['set', 'logtarget', 'SYSTEMD-JOURNAL']",
      "['add', 'sshd', 'systemd']",
      "['set', 'sshd', 'addjournalmatch', '_SYSTEMD_UNIT=ssh.service', '+', '_COMM=sshd', '+', '_COMM=sshd-session']",
      "['set', 'sshd', 'maxretry', 3]",
      "['set', 'sshd', 'addaction', 'nftables']",
      "['start', 'sshd']",
    ]));
  });
});

describe.skipIf(!VISUDO)('sudoers drop-in checked by visudo -c', () => {
  it.each(['cn00', 'cn01'])('%s parses', async (role) => {
    const p = put(renderFilesFor(role).get('/etc/sudoers.d/okome-admin')!);
    const r = await execa(VISUDO!, ['-c', '-f', p], { reject: false });
    expect(r.stdout).toContain('parsed OK');
    expect(r.exitCode).toBe(0);
  });
});

describe.skipIf(!FINDMNT)('fstab checked by findmnt --verify', () => {
  it.each(['cn00', 'cn01'])('%s: no parse errors; only the device-only sources and mount points are missing here', async (role) => {
    const p = put(renderFilesFor(role).get('/etc/fstab')!);
    const r = await execa(FINDMNT!, ['--verify', '--verbose', '--tab-file', p], { reject: false, all: true });
    const out = r.all ?? '';
    expect(out).toMatch(/^0 parse errors, \d+ errors?, 0 warnings$/m);
    for (const e of out.split('\n').filter((l) => l.includes('[E]')))
      expect(e).toMatch(/unreachable on boot required (source: LABEL=(rootfs|bootfs)|target: No such file or directory)/);
    expect(out).toMatch(/^\/\n(?:.*\n)*?\s+\[ \] VFS options: noatime\n\s+\[ \] FS options: commit=60$/m);
  });
});

describe('Debian raspi-firmware defaults sourced by sh, as its kernel hook does', () => {
  const source = async (text: string) =>
    (await execa('sh', ['-c', '. "$1"; printf "%s|%s|%s" "$ROOTPART" "$CONSOLES" "${CMA-unset}"', 'sh', put(text, '/etc/default/raspi-firmware')])).stdout;

  it.each(['cn00', 'cn01'])('%s: root by label, serial console last, default CMA', async (role) => {
    expect(await source(renderFilesFor(role).get('/etc/default/raspi-firmware')!.content)).toBe('LABEL=rootfs|tty1 ttyS1,115200|unset');
  });

  it('headless without a serial console', async () => {
    const c = fleetWith((f) => { f.boot = { hdmi: false, serialConsole: false }; });
    expect(await source(renderFilesFor('cn01', c).get('/etc/default/raspi-firmware')!.content)).toBe('LABEL=rootfs|tty1|0');
  });
});

describe.skipIf(!existsSync('/proc/sys/kernel'))('sysctl keys exist in the kernel', () => {
  it.each(['cn00', 'cn01'])('%s: every key of 90-okome.conf is a /proc/sys entry', (role) => {
    const keys = renderFilesFor(role).get('/etc/sysctl.d/90-okome.conf')!.content.split('\n')
      .filter((l) => /^[a-z]/.test(l)).map((l) => l.split(' = ')[0]!);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => !existsSync(join('/proc/sys', ...k.split('.'))))).toEqual([]);
  });
});
