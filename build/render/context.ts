// The one object every template sees. Derived from the resolved config, the role and the
// secrets; everything a template needs is computed here, so templates hold no logic. Pure.
import type { ResolvedConfig } from '../config/resolve.ts';
import { sizeToBytes } from '../config/fields.ts';
import { ipToInt } from '../config/rules.ts';
import { durationSeconds, nginxTime } from '../plan/durations.ts';
import { redisHash, type Secrets } from '../plan/secrets.ts';
import { HEALTH_COMMANDS, PLANNER_COMMANDS, redisSizeBytes } from '../plan/redis.ts';
import { planSysctl } from '../plan/sysctl.ts';
import { TOOL } from '../plan/tool.ts';
import { makeVerifyContext } from './verify-context.ts';

export interface NodeRef { name: string; hostname: string; address: string; kind: 'frontend' | 'backend' }

function subnetOf(address: string, prefix: number): string {
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const n = (ipToInt(address) & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')}/${prefix}`;
}

export function makeRenderContext(config: ResolvedConfig, roleName: string, secrets: Secrets) {
  const role = config.roles[roleName];
  if (!role) throw new Error(`unknown role ${roleName}`);
  const nodes: NodeRef[] = Object.entries(config.roles).map(([name, r]) => ({ name, hostname: r.hostname, address: r.address, kind: r.kind }));
  const frontends = nodes.filter((n) => n.kind === 'frontend');
  const backends = nodes.filter((n) => n.kind === 'backend');
  const net = config.network;

  const tmpfs = config.fstab.tmpfs.map((t) => ({ ...t }));
  let frontend: ReturnType<typeof frontendContext> | undefined;
  let backend: ReturnType<typeof backendContext> | undefined;
  if (role.kind === 'frontend') {
    frontend = frontendContext(config, roleName, frontends, secrets);
    tmpfs.push({ path: '/var/cache/nginx', size: role.nginx.cache.size, mode: '0750' });
  } else {
    backend = backendContext(config, roleName, frontends, secrets);
  }

  return {
    tool: TOOL,
    role: { name: roleName, kind: role.kind, hostname: role.hostname, address: role.address },
    isFrontend: role.kind === 'frontend',
    isBackend: role.kind === 'backend',
    fleet: { base: config.base, release: config.release, arch: config.arch, mirror: config.mirror, boards: config.boards, timezone: config.timezone, ntp: config.ntp },
    nodes, frontends, backends,
    network: { ...net, cidr: `${role.address}/${net.prefix}`, subnet: subnetOf(role.address, net.prefix) },
    admin: { user: config.admin.user, keys: secrets.adminKeys },
    journald: config.journald,
    sysctl: Object.entries(planSysctl(role.kind, config.sysctl)).map(([key, e]) => ({ key, value: e.value, why: e.why })),
    fstab: { rootOptions: config.fstab.rootOptions, tmpfs },
    boot: config.boot,
    frontend,
    backend,
    verify: makeVerifyContext(config, roleName),
  };
}

export type RenderContext = ReturnType<typeof makeRenderContext>;

/** Where the frontend payload keeps its runtime files (shared by templates, scripts and docs). */
export const FRONTEND_PATHS = {
  healthPath: '/okome-health',
  accessLog: '/var/log/nginx/okome-access.log',
  stateFile: '/etc/nginx/okome/health_state.conf',
  maintenanceFlag: '/etc/okome/maintenance',
  promFile: '/var/lib/prometheus/node-exporter/okome_cache.prom',
} as const;

function frontendContext(config: ResolvedConfig, roleName: string, frontends: NodeRef[], secrets: Secrets) {
  const role = config.roles[roleName]!;
  if (role.kind !== 'frontend') throw new Error('not a frontend');
  if (secrets.keepalivedPass.length < 1 || secrets.keepalivedPass.length > 8 || /[\s"]/.test(secrets.keepalivedPass))
    throw new Error('keepalived auth_pass must be 1 to 8 characters without spaces or quotes (VRRP PASS authentication truncates longer ones)');
  const n = role.nginx;
  const cacheBytes = sizeToBytes(n.cache.size);
  const upstream = new URL(n.upstream);
  const canary = new URL(n.canaryUpstream ?? n.upstream);
  const hostPort = (u: URL) => `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  const scheme = (u: URL) => u.protocol.replace(/:$/, '');
  const origin = (u: URL) => `${scheme(u)}://${hostPort(u)}`;
  return {
    paths: FRONTEND_PATHS,
    nginx: {
      listenPort: n.listenPort,
      upstream: n.upstream,
      upstreamOrigin: origin(upstream),
      upstreamScheme: scheme(upstream),
      upstreamHostPort: hostPort(upstream),
      canaryUpstream: canary.href.replace(/\/$/, ''),
      canaryOrigin: origin(canary),
      canaryScheme: scheme(canary),
      canaryHostPort: hostPort(canary),
      /** A separate canary upstream is configured (the probe then checks it too). */
      hasCanary: n.canaryUpstream !== undefined && origin(canary) !== origin(upstream),
      connectTimeoutSeconds: n.connectTimeoutSeconds,
      readTimeoutSeconds: n.readTimeoutSeconds,
      cache: {
        ...n.cache,
        maxSize: `${Math.floor((cacheBytes * 0.9) / 1024 / 1024)}m`,
        inactive: nginxTime(n.cache.inactive),
        validOk: nginxTime(n.cache.validOk),
        validNotFound: nginxTime(n.cache.validNotFound),
        lockTimeout: nginxTime(n.cache.lockTimeout),
      },
    },
    probe: { ...role.probe, intervalSeconds: durationSeconds(role.probe.interval) },
    prewarm: { ...role.prewarm, urlList: role.prewarm.urls.join(' ') },
    hitRatio: { ...role.hitRatio, windowSeconds: durationSeconds(role.hitRatio.window) },
    vrrp: {
      ...role.vrrp,
      vip: config.vip!.address,
      prefix: config.network.prefix,
      routerId: config.vip!.routerId,
      advertInt: config.vip!.advertInt,
      interface: config.network.interface,
      authPass: secrets.keepalivedPass,
      unicastPeers: frontends.filter((f) => f.name !== roleName).map((f) => f.address),
    },
  };
}

function backendContext(config: ResolvedConfig, roleName: string, frontends: NodeRef[], secrets: Secrets) {
  const role = config.roles[roleName]!;
  if (role.kind !== 'backend') throw new Error('not a backend');
  const r = role.redis;
  // Settings were checked by config/rules.ts (checkBackendRedis) before any rendering.
  const allow = r.allowFrom.length ? r.allowFrom : frontends.map((f) => f.name);
  const allowFrom = allow.map((ref) => config.roles[ref]?.address ?? ref);
  return {
    redis: {
      ...r,
      allowFrom,
      /** bind: the LAN address first, then loopback. */
      bind: [role.address, '127.0.0.1'],
      maxmemoryBytes: redisSizeBytes(r.maxmemory),
      /** `save` argument: "3600 1" for rdb, "" (no snapshots) for none. */
      save: r.persistence === 'rdb' ? `${r.rdbSaveSeconds} 1` : '',
      plannerCommands: PLANNER_COMMANDS.join(' '),
      healthCommands: HEALTH_COMMANDS.join(' '),
      plannerHash: redisHash(secrets.redisPlanner),
      adminHash: redisHash(secrets.redisAdmin),
      healthHash: redisHash(secrets.redisHealth),
      healthPassword: secrets.redisHealth,
    },
  };
}
