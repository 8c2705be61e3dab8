// A private L2 network for boot tests: a network namespace the test creates, a bridge in it,
// one tap per VM. The bridge carries the addresses the VMs expect around them (gateway,
// upstream...). Nothing is routed out of the namespace: it has no link to the host.
import { execa } from 'execa';

export interface TestNet {
  ns: string;
  bridge: string;
  taps: string[];
}

async function ip(ns: string | undefined, ...args: string[]): Promise<void> {
  await execa('ip', ns ? ['-n', ns, ...args] : args);
}

export async function createTestNet(ns: string, hostAddrs: readonly string[], taps: readonly string[]): Promise<TestNet> {
  await destroyTestNet(ns);
  await execa('ip', ['netns', 'add', ns]);
  await ip(ns, 'link', 'set', 'lo', 'up');
  await ip(ns, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  for (const a of hostAddrs) await ip(ns, 'addr', 'add', a, 'dev', 'br0');
  await ip(ns, 'link', 'set', 'br0', 'up');
  for (const t of taps) {
    await ip(ns, 'tuntap', 'add', 'dev', t, 'mode', 'tap');
    await ip(ns, 'link', 'set', t, 'master', 'br0');
    await ip(ns, 'link', 'set', t, 'up');
  }
  return { ns, bridge: 'br0', taps: [...taps] };
}

export async function destroyTestNet(ns: string): Promise<void> {
  await execa('ip', ['netns', 'pids', ns], { reject: false }).then(async (r) => {
    for (const pid of r.stdout.split('\n').filter(Boolean)) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
  });
  await execa('ip', ['netns', 'del', ns], { reject: false });
}

/** Run a command inside the namespace. */
export function inNs(ns: string, cmd: string, args: readonly string[]) {
  return execa('ip', ['netns', 'exec', ns, cmd, ...args], { reject: false });
}
