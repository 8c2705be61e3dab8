// Boot one role's image in QEMU on a private network and read its first-boot verdict.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { createTestNet, destroyTestNet } from '../../build/infra/netns.ts';
import { startVm, stopVm, waitForVerdict, type Verdict, type Vm } from '../../build/infra/qemu.ts';
import type { ResolvedConfig } from '../../build/config/resolve.ts';

export const VERDICT_TIMEOUT_MS = Number(process.env.OKOME_QEMU_TIMEOUT ?? 1500) * 1000;

export function macFor(address: string): string {
  const last = Number(address.split('.')[3]);
  return `52:54:00:86:00:${last.toString(16).padStart(2, '0')}`;
}

export interface Env {
  ns: string;
  servers: ResultPromise[];
}

/** Servers around a node: the upstream HTTP server, and for a frontend alone a Redis where its backend would be. */
export async function startSurroundings(config: ResolvedConfig, ns: string, opts: { upstream: boolean; redisFor?: string[] }, repo: string, workDir: string): Promise<ResultPromise[]> {
  const servers: ResultPromise[] = [];
  if (opts.upstream) {
    const fe = Object.values(config.roles).find((r) => r.kind === 'frontend');
    if (fe && fe.kind === 'frontend') {
      const u = new URL(fe.nginx.upstream);
      servers.push(execa('ip', ['netns', 'exec', ns, process.execPath, join(repo, 'test/qemu/upstream.mjs'), u.hostname, u.port || '80'], { reject: false, stdout: 'ignore', stderr: 'ignore' }));
    }
  }
  for (const addr of opts.redisFor ?? []) {
    const dir = join(workDir, `redis-${addr}`);
    mkdirSync(dir, { recursive: true });
    servers.push(execa('ip', ['netns', 'exec', ns, 'redis-server', '--bind', addr, '--port', '6379', '--dir', dir, '--save', '', '--protected-mode', 'no'], { reject: false, stdout: 'ignore', stderr: 'ignore' }));
  }
  await new Promise((r) => setTimeout(r, 1000));
  return servers;
}

export async function bootSingle(config: ResolvedConfig, role: string, image: string, workDir: string, repo: string): Promise<{ verdict: Verdict; vm: Vm }> {
  const r = config.roles[role]!;
  const ns = `okome-q-${role}`;
  const prefix = config.network.prefix;
  const gw = config.network.gateway;
  const fe = Object.values(config.roles).find((x) => x.kind === 'frontend');
  const upstreamHost = fe && fe.kind === 'frontend' ? new URL(fe.nginx.upstream).hostname : undefined;
  const backends = Object.values(config.roles).filter((x) => x.kind === 'backend').map((x) => x.address);
  // The namespace plays the LAN around the node: gateway, upstream, and (for a lone frontend) the backend's Redis.
  const hostAddrs = [gw, ...(upstreamHost ? [upstreamHost] : []), ...(r.kind === 'frontend' ? backends : [])].map((a) => `${a}/${prefix}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  await createTestNet(ns, [...new Set(hostAddrs)], ['tap0']);
  const servers = await startSurroundings(config, ns, { upstream: true, redisFor: r.kind === 'frontend' ? backends : [] }, repo, workDir);
  let vm: Vm | undefined;
  try {
    vm = await startVm({ name: role, image, workDir, tap: 'tap0', mac: macFor(r.address), netns: ns });
    const verdict = await waitForVerdict(vm, VERDICT_TIMEOUT_MS);
    return { verdict, vm };
  } finally {
    if (vm) await stopVm(vm);
    for (const s of servers) s.kill('SIGKILL');
    await destroyTestNet(ns);
  }
}
