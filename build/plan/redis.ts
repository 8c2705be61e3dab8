// Pure facts about the CN01 Redis: size parsing, the ACL users and the checks a backend
// config must pass beyond its schema. No I/O.

/** Redis parses 1kb/1mb/1gb as powers of 1024 (memtoll). */
export function redisSizeBytes(v: string): number {
  const m = /^([1-9][0-9]*)(kb|mb|gb)$/i.exec(v);
  if (!m) throw new Error(`not a Redis size: ${v}`);
  const mult = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[m[2]!.toLowerCase() as 'kb' | 'mb' | 'gb'];
  return Number(m[1]) * mult;
}

/** RAM of the smallest model of each board (MiB). */
export const BOARD_RAM_MIB: Readonly<Record<string, number>> = {
  pi3: 1024, pi4: 1024, pi400: 4096, cm4: 1024, zero2w: 512, pi5: 2048,
};

/** Redis may take at most this share of the smallest board's RAM; the rest is the OS's. */
export const MAXMEMORY_SHARE = 0.5;

/**
 * Command rules of the planner user. Order matters: categories first, then the dangerous and
 * admin commands taken away, then the few harmless commands a cache client needs added back,
 * and finally the commands the seed names removed explicitly (belt and braces).
 * Only names known to both redis 7.0 (host tests) and redis 8.0 (device).
 */
export const PLANNER_COMMANDS = [
  '+@read', '+@write', '+@string', '+@hash', '+@keyspace', '+@connection', '+@transaction',
  '-@dangerous', '-@admin',
  '+ping', '+echo', '+expire', '+pexpire', '+expireat', '+ttl', '+pttl', '+persist', '+exists', '+del', '+unlink', '+type',
  '-flushall', '-flushdb', '-config', '-debug', '-keys', '-shutdown',
] as const;

/** The health user: liveness and INFO only, no keys, no channels. */
export const HEALTH_COMMANDS = ['-@all', '+ping', '+info'] as const;

/** Problems of one backend role's Redis settings, as `path: message` lines. */
export function checkBackendRedis(
  roleName: string,
  redis: { maxmemory: string; tcpBacklog: number },
  somaxconn: number,
  boards: readonly string[],
): string[] {
  const out: string[] = [];
  const at = `roles.${roleName}.redis`;
  if (redis.tcpBacklog > somaxconn)
    out.push(`${at}.tcpBacklog: ${redis.tcpBacklog} is above net.core.somaxconn (${somaxconn}); the kernel would cut the backlog to ${somaxconn}`);
  const smallest = Math.min(...boards.map((b) => BOARD_RAM_MIB[b] ?? 1024));
  const capMiB = Math.floor(smallest * MAXMEMORY_SHARE);
  if (redisSizeBytes(redis.maxmemory) > capMiB * 1024 ** 2)
    out.push(`${at}.maxmemory: "${redis.maxmemory}" is more than ${MAXMEMORY_SHARE * 100} % of the smallest board's RAM (${smallest} MiB); use at most ${capMiB}mb so the OS keeps room`);
  return out;
}
