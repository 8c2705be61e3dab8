// Cluster boot test: CN00 (MASTER), CN01 (Redis), CN02 (BACKUP) on one private L2 network in a
// network namespace this test creates (bridge + one tap per VM + the test upstream). Nothing
// leaves the namespace. Each scenario of issue 6 is a named result.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { loadConfig } from '../../build/config/load.ts';
import { createTestNet, destroyTestNet, inNs } from '../../build/infra/netns.ts';
import { startVm, stopVm, waitForVerdict, type Vm } from '../../build/infra/qemu.ts';
import { macFor, startSurroundings, VERDICT_TIMEOUT_MS } from './single.ts';

export interface Result { name: string; ok: boolean; detail: string }

const NS = 'okome-cluster';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Http { status: number; headers: Record<string, string>; body: string }

async function http(url: string, headers: Record<string, string> = {}, timeout = 5): Promise<Http | undefined> {
  const args = ['-s', '-m', String(timeout), '-D', '-', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const r = await inNs(NS, 'curl', args);
  if (r.exitCode !== 0) return undefined;
  const [head = '', ...rest] = r.stdout.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1]);
  const h: Record<string, string> = {};
  for (const l of lines.slice(1)) { const i = l.indexOf(':'); if (i > 0) h[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  return { status, headers: h, body: rest.join('\r\n\r\n') };
}

async function until<T>(what: () => Promise<T | undefined>, ok: (v: T | undefined) => boolean, timeoutMs: number, stepMs = 500): Promise<{ value: T | undefined; ms: number; ok: boolean }> {
  const t0 = Date.now();
  let v: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    v = await what();
    if (ok(v)) return { value: v, ms: Date.now() - t0, ok: true };
    await sleep(stepMs);
  }
  return { value: v, ms: Date.now() - t0, ok: false };
}

export async function runCluster(repo: string): Promise<Result[]> {
  const work = join(repo, 'out', 'qemu', 'cluster');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const results: Result[] = [];
  const record = (name: string, ok: boolean, detail: string) => { results.push({ name, ok, detail }); console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`); };

  // A throwaway admin key, baked into the cluster images through the cluster config.
  const key = join(work, 'test_key');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'okome-cluster-test', '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8').trim();
  const env = { OKOME_TEST_SSH_PUBKEY: pub, CI: '1' };
  const cfgFile = join(repo, 'test/qemu/cluster.config.ts');
  const outDir = join(repo, 'out', 'cluster');
  console.log('cluster: building cn00, cn01, cn02 from test/qemu/cluster.config.ts (cached base)');
  const b = await execa('npx', ['tsx', 'build/cli.ts', 'build', '--config', cfgFile, '--out', outDir, '--all', '--no-compress'], { cwd: repo, env, reject: false, all: true });
  if (b.exitCode !== 0) return [{ name: 'cluster build', ok: false, detail: (b.all ?? '').slice(-2000) }];
  process.env.OKOME_TEST_SSH_PUBKEY = pub;
  const config = await loadConfig(cfgFile);
  const roles = Object.keys(config.roles);
  const addr = (r: string) => config.roles[r]!.address;
  const vip = config.vip!.address;
  const secretsDir = join(repo, config.secretsDir);
  const ssh = (r: string, cmd: string) => inNs(NS, 'ssh', ['-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', `${config.admin.user}@${addr(r)}`, cmd]);
  const sshIn = (r: string, cmd: string, input: string) => execa('ip', ['netns', 'exec', NS, 'ssh', '-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `${config.admin.user}@${addr(r)}`, cmd], { input, reject: false });

  const fe = config.roles.cn00!;
  const upstream = fe.kind === 'frontend' ? new URL(fe.nginx.upstream) : undefined;
  await createTestNet(NS, [`${config.network.gateway}/${config.network.prefix}`, ...(upstream ? [`${upstream.hostname}/${config.network.prefix}`] : [])], roles.map((_, i) => `tap${i}`));
  let servers: ResultPromise[] = await startSurroundings(config, NS, { upstream: true }, repo, work);
  const vms = new Map<string, Vm>();
  try {
    const t0 = Date.now();
    const boot = async (r: string) => {
      const i = roles.indexOf(r);
      vms.set(r, await startVm({ name: r, image: join(outDir, r, `okome-${r}.img`), workDir: join(work, r), tap: `tap${i}`, mac: macFor(addr(r)), netns: NS, cpus: 1, memoryMiB: 1024, allowReboot: true }));
      return waitForVerdict(vms.get(r)!, VERDICT_TIMEOUT_MS).catch((e: Error) => e);
    };
    // Backends first, then the frontends together: never more vCPUs than host cores, so a first
    // boot under emulation is not starved (udev settles, growpart's lock) as it was with three at once.
    const byRole = new Map<string, Awaited<ReturnType<typeof boot>>>();
    for (const r of roles.filter((x) => config.roles[x]!.kind === 'backend')) byRole.set(r, await boot(r));
    const fes = roles.filter((x) => config.roles[x]!.kind === 'frontend');
    (await Promise.all(fes.map(boot))).forEach((v, i) => byRole.set(fes[i]!, v));
    // 1. every verdict PASS; the VIP answers on the MASTER
    const verdicts = roles.map((r) => byRole.get(r)!);
    for (const [i, v] of verdicts.entries()) {
      if (v instanceof Error) record(`1 verdict ${roles[i]}`, false, v.message.split('\n')[0]!);
      else record(`1 verdict ${roles[i]}`, v.result === 'PASS', `${v.line} after ${v.seconds.toFixed(0)} s`);
    }
    console.log(`cluster: power-on to last verdict ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const onVip = await until(() => http(`http://${vip}/`), (h) => h?.headers['x-okome-node'] === 'CN00', 30_000);
    record('1 VIP answers on the MASTER', onVip.ok, `X-OKOME-Node: ${onVip.value?.headers['x-okome-node'] ?? 'no answer'}`);

    // 2. through the VIP: MISS then HIT, with the headers
    const path = `/cluster-${Date.now()}`;
    const h1 = await http(`http://${vip}${path}`, { 'X-Request-ID': 'okome-test-req-1' });
    const h2 = await http(`http://${vip}${path}`);
    const hdrs = ['x-cache-status', 'x-okome-node', 'x-upstream', 'x-request-id'];
    record('2 MISS then HIT through the VIP', h1?.headers['x-cache-status'] === 'MISS' && h2?.headers['x-cache-status'] === 'HIT',
      `first ${h1?.status} ${h1?.headers['x-cache-status']}, second ${h2?.status} ${h2?.headers['x-cache-status']}`);
    record('2 headers present', !!h2 && hdrs.every((k) => h2.headers[k]) && h1?.headers['x-request-id'] === 'okome-test-req-1',
      hdrs.map((k) => `${k}=${h2?.headers[k] ?? '-'}`).join(' ') + ` (incoming id echoed: ${h1?.headers['x-request-id']})`);

    // 5. Redis from CN00 with the planner credentials; refused without; refused from a non-allowed address
    const planner = readFileSync(join(secretsDir, 'redis-planner.pass'), 'utf8').trim();
    const be = addr('cn01');
    const withCreds = await sshIn('cn00', `REDISCLI_AUTH="$(cat)" redis-cli --no-auth-warning -h ${be} --user planner set okome:cluster-test ok EX 60`, planner);
    record('5 planner credentials work from CN00', withCreds.stdout.trim() === 'OK', `SET okome:cluster-test -> ${withCreds.stdout.trim() || withCreds.stderr.trim()}`);
    const noCreds = await ssh('cn00', `redis-cli -h ${be} get okome:cluster-test`);
    record('5 refused without credentials', /NOAUTH/.test(noCreds.stdout + noCreds.stderr), `GET without AUTH -> ${(noCreds.stdout + noCreds.stderr).trim()}`);
    const outsider = await inNs(NS, 'timeout', ['5', 'redis-cli', '-h', be, 'ping']);
    record('5 refused from an address the firewall does not allow', outsider.stdout.trim() !== 'PONG' && !/NOAUTH/.test(outsider.stdout),
      `from ${config.network.gateway}: ${(outsider.stdout + outsider.stderr).trim() || `no answer (exit ${outsider.exitCode})`}`);

    // 6. host keys differ; password login refused; key login works
    const keys = await Promise.all(roles.map((r) => inNs(NS, 'ssh-keyscan', ['-t', 'ed25519', '-T', '5', addr(r)]).then((x) => x.stdout.split(' ').pop()?.trim() ?? '')));
    record('6 every node made its own SSH host key', keys.every(Boolean) && new Set(keys).size === keys.length, keys.map((k, i) => `${roles[i]}:…${k.slice(-10)}`).join(' '));
    const pw = await inNs(NS, 'ssh', ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive', `${config.admin.user}@${addr('cn00')}`, 'true']);
    record('6 password login refused', pw.exitCode !== 0 && /Permission denied/.test(pw.stderr), pw.stderr.trim().split('\n').pop() ?? '');
    const kl = await ssh('cn00', 'hostname');
    record('6 key login works', kl.exitCode === 0 && kl.stdout.trim() === 'CN00', `hostname -> ${kl.stdout.trim() || kl.stderr.trim()}`);

    // 3. upstream stopped: the cached page still served STALE, the health state flips and flips back
    const spath = `/stale-${Date.now()}?max-age=2`;
    await http(`http://${addr('cn00')}${spath}`);
    await sleep(3000);
    for (const s of servers) s.kill('SIGKILL');
    servers = [];
    const stale = await http(`http://${addr('cn00')}${spath}`);
    record('3 cached page served STALE while the upstream is down', stale?.status === 200 && stale.headers['x-cache-status'] === 'STALE', `${stale?.status} ${stale?.headers['x-cache-status']}`);
    const state = () => ssh('cn00', 'cat /etc/nginx/okome/health_state.conf').then((r) => r.stdout);
    const flipped = await until(state, (s) => !!s && !/normal/.test(s.split('\n').filter((l) => !l.startsWith('#')).join('\n')), 90_000, 3000);
    record('3 health state flips when the upstream dies', flipped.ok, `${(flipped.value ?? '').split('\n').filter((l) => l && !l.startsWith('#')).join(' ')} after ${(flipped.ms / 1000).toFixed(0)} s`);
    servers = await startSurroundings(config, NS, { upstream: true }, repo, work);
    const back = await until(state, (s) => !!s && /normal/.test(s.split('\n').filter((l) => !l.startsWith('#')).join('\n')), 90_000, 3000);
    record('3 health state flips back when the upstream returns', back.ok, `after ${(back.ms / 1000).toFixed(0)} s`);

    // 4. nginx stopped on the MASTER: the VIP moves to the BACKUP within 5 s, and back
    await ssh('cn00', 'sudo systemctl stop nginx');
    const moved = await until(() => http(`http://${vip}/`, {}, 1), (h) => h?.headers['x-okome-node'] === 'CN02', 30_000, 250);
    record('4 VIP moves to the BACKUP within 5 s of nginx stopping', moved.ok && moved.ms <= 5000, `served by ${moved.value?.headers['x-okome-node'] ?? 'nobody'} after ${(moved.ms / 1000).toFixed(1)} s`);
    await ssh('cn00', 'sudo systemctl start nginx');
    const returned = await until(() => http(`http://${vip}/`, {}, 1), (h) => h?.headers['x-okome-node'] === 'CN00', 30_000, 250);
    record('4 VIP returns to the MASTER when nginx is back', returned.ok, `after ${(returned.ms / 1000).toFixed(1)} s`);

    // 7. after a reboot everything is PASS again; pre-warm refills the empty tmpfs cache
    await ssh('cn00', 'sudo systemctl reboot');
    const again = await waitForVerdict(vms.get('cn00')!, VERDICT_TIMEOUT_MS, 2).catch((e: Error) => e);
    record('7 PASS again after a reboot', !(again instanceof Error) && again.result === 'PASS', again instanceof Error ? again.message.split('\n')[0]! : again.line);
    // Judge the cache only after pre-warm has run once since the boot (a request of ours would fill it).
    const prewarmed = await until(() => ssh('cn00', 'systemctl show -P ExecMainExitTimestampMonotonic okome-prewarm.service').then((r) => r.stdout.trim()), (v) => !!v && v !== '0', 300_000, 5000);
    const warmed = prewarmed.ok ? await http(`http://${addr('cn00')}${path}`) : undefined;
    record('7 pre-warm refilled the cache after the reboot', warmed?.headers['x-cache-status'] === 'HIT',
      prewarmed.ok ? `${path} after pre-warm: ${warmed?.headers['x-cache-status'] ?? 'no answer'}` : 'okome-prewarm.service did not run within 300 s');

    // 6. the same image booted twice (a fresh copy-on-write disk: a new card) makes a new host key
    const cn02 = vms.get('cn02')!;
    await stopVm(cn02);
    rmSync(join(work, 'cn02', 'disk.qcow2'), { force: true });
    rmSync(cn02.serialLog, { force: true });
    const again02 = await startVm({ ...cn02.spec });
    vms.set('cn02', again02);
    const v02 = await waitForVerdict(again02, VERDICT_TIMEOUT_MS).catch((e: Error) => e);
    const key02 = await inNs(NS, 'ssh-keyscan', ['-t', 'ed25519', '-T', '5', addr('cn02')]).then((x) => x.stdout.split(' ').pop()?.trim() ?? '');
    record('6 the same image booted twice has two different host keys', !(v02 instanceof Error) && !!key02 && key02 !== keys[roles.indexOf('cn02')],
      `cn02 first boot …${keys[roles.indexOf('cn02')]?.slice(-10)}, second first boot …${key02.slice(-10)}${v02 instanceof Error ? ` (${v02.message.split('\n')[0]})` : ` (${v02.line})`}`);
  } finally {
    for (const vm of vms.values()) await stopVm(vm).catch(() => {});
    for (const s of servers) s.kill('SIGKILL');
    await destroyTestNet(NS);
  }
  return results;
}

