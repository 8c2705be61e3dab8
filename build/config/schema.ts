// The fleet file's schema. Defaults are the seed's fleet (CN00 frontend, CN01 backend).
// Every object is strict: a typo'd key is an error, not a silently ignored field.
// Each field carries a .describe() text: docs/configuration.md is generated from it.
import { z } from 'zod';
import { hostname, httpUrl, ipv4, port, size, sshPublicKey, unixUser } from './fields.ts';

const BOARDS = ['pi3', 'pi4', 'pi400', 'cm4', 'zero2w', 'pi5'] as const;

const redisSize = z.string().superRefine((v, ctx) => {
  if (!/^[1-9][0-9]*(kb|mb|gb)$/i.test(v)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a Redis size (like 256mb)` });
});
/** A string matching `re`; the message shows the value: `"x" is not <what>`. */
const matching = (re: RegExp, what: string) => z.string().superRefine((v, ctx) => {
  if (!re.test(v)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not ${what}` });
});

const duration = z.string().superRefine((v, ctx) => {
  if (!/^[1-9][0-9]*(s|min|h|d)$/.test(v)) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a duration (like 30s, 15min, 1h, 1d)` });
});

export const NetworkSchema = z.strictObject({
  prefix: z.number().int().min(8).max(30).default(24).describe('Subnet prefix length of the LAN (the seed: /24).'),
  gateway: ipv4.default('192.168.86.1').describe('Default gateway; must be inside the subnet.'),
  dns: z.array(ipv4).min(1).default(['192.168.86.1']).describe('DNS servers written to the static network config.'),
  interface: matching(/^[a-z][a-z0-9]{1,14}$/, 'an interface name (lowercase letters and digits, like eth0)').default('eth0').describe('Wired interface name on the device. The Debian base boots with net.ifnames=0, so it is eth0 on a Pi and in QEMU.'),
}).describe('The LAN every role sits on.');

export const AdminSchema = z.strictObject({
  user: unixUser.default('okome').describe('Admin login; gets sudo and the SSH keys.'),
  sshKeys: z.union([z.literal('generate'), z.array(sshPublicKey)]).default('generate')
    .describe('"generate" (a key pair is made once under secretsDir and reused) or a list of public keys.'),
  passwordLogin: z.literal(false).default(false).describe('Password login is always off: key-only SSH.'),
}).describe('The one admin user of every image.');

export const JournaldSchema = z.strictObject({
  runtimeMaxUse: size.default('32M').describe('RAM cap for the volatile journal.'),
  runtimeMaxFileSize: size.default('8M').describe('Largest single journal file in RAM.'),
  maxRetention: duration.default('7d').describe('Drop journal entries older than this.'),
}).describe('journald keeps logs in RAM only (Storage=volatile) to spare the SD card.');

export const TmpfsSchema = z.strictObject({
  path: matching(/^\/[A-Za-z0-9/._-]*$/, 'an absolute path (like /var/cache/nginx)').describe('Mount point.'),
  size: size.describe('tmpfs size.'),
  mode: matching(/^[0-7]{3,4}$/, 'an octal mode (like 1777 or 0755)').default('1777').describe('Mode of the mount point.'),
}).describe('One tmpfs mount.');

export const FstabSchema = z.strictObject({
  rootOptions: z.string().default('noatime,commit=60').describe('Mount options of the ext4 root.'),
  tmpfs: z.array(TmpfsSchema).default([{ path: '/tmp', size: '64m', mode: '1777' }]).describe('Extra tmpfs mounts (the frontend adds /var/cache/nginx from nginx.cache.size).'),
}).describe('fstab: root options and RAM-backed mounts.');

export const BootSchema = z.strictObject({
  gpuMem: z.number().int().min(16).max(512).default(16).describe('GPU memory in MB (gpu_mem).'),
  serialConsole: z.boolean().default(true).describe('Serial console on the UART (enable_uart=1, console=serial0).'),
  bluetooth: z.boolean().default(false).describe('Bluetooth on (dtoverlay=disable-bt when off).'),
  wifi: z.boolean().default(false).describe('Wi-Fi on (dtoverlay=disable-wifi when off).'),
  hdmi: z.boolean().default(true).describe('HDMI output (hdmi_blanking=2 when off).'),
}).describe('raspi-config settings written as configuration.');

export const DiskSchema = z.strictObject({
  bootSizeMiB: z.number().int().min(64).max(2048).default(512).describe('FAT32 bootfs size in MiB (starts at 8 MiB).'),
  rootHeadroomMiB: z.number().int().min(64).max(16384).default(384).describe('Free space left in the ext4 rootfs beyond its content; it grows to the card at first boot anyway.'),
}).describe('Disk layout of the .img.');

export const VipSchema = z.strictObject({
  address: ipv4.describe('The frontend VIP that keepalived moves between frontends.'),
  routerId: z.number().int().min(1).max(255).describe('virtual_router_id, equal on every frontend.'),
  advertInt: z.number().int().min(1).max(10).default(1).describe('VRRP advert interval in seconds.'),
}).describe('keepalived VIP of the frontend group.');

export const CacheSchema = z.strictObject({
  size: size.default('256m').describe('tmpfs size of /var/cache/nginx; the cache zone max_size is 90 % of it.'),
  keysZone: size.default('16m').describe('Shared-memory zone for cache keys.'),
  inactive: duration.default('1h').describe('Evict entries not used for this long (also the longest a stale entry can be served while the upstream is down).'),
  validOk: duration.default('10min').describe('How long 200/301/302 responses stay fresh.'),
  validNotFound: duration.default('1min').describe('How long 404 responses stay fresh.'),
  lockTimeout: duration.default('5s').describe('proxy_cache_lock_timeout: how long concurrent misses of one key wait for the first request to fill the cache (stampede guard).'),
}).describe('The Nginx proxy cache.');

// An upstream is scheme://host[:port] only: nginx proxies the request URI as it came.
const upstreamUrl = httpUrl.superRefine((v, ctx) => {
  let u: URL | undefined;
  try { u = new URL(v); } catch { return; }
  if (u.pathname !== '/' || u.search || u.hash || u.username) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} must be scheme://host:port without a path, query or user` });
});

export const NginxSchema = z.strictObject({
  upstream: upstreamUrl.describe('The OKOME app server, scheme://host:port (a placeholder: the seed does not name it).'),
  canaryUpstream: upstreamUrl.optional().describe('Where canary traffic goes; defaults to the upstream.'),
  listenPort: port.default(80).describe('Port Nginx listens on.'),
  connectTimeoutSeconds: z.number().int().min(1).max(60).default(3).describe('proxy_connect_timeout: give up connecting to the upstream after this long (then stale content is served).'),
  readTimeoutSeconds: z.number().int().min(1).max(600).default(30).describe('proxy_read_timeout / proxy_send_timeout towards the upstream.'),
  cache: CacheSchema.prefault({}),
}).describe('Nginx reverse-proxy cache.');

export const ProbeSchema = z.strictObject({
  interval: duration.default('15s').describe('How often the health probe runs.'),
  path: z.string().regex(/^\/[^\s]*$/, 'must be a path starting with / and without spaces').default('/').describe('Upstream path the probe requests.'),
  timeoutSeconds: z.number().int().min(1).max(30).default(3).describe('Probe request timeout.'),
  failuresBeforeStale: z.number().int().min(1).max(20).default(2).describe('Consecutive failed probes before the node switches to stale-only (one good probe switches back).'),
}).describe('Upstream health probe.');

export const PrewarmSchema = z.strictObject({
  topN: z.number().int().min(1).max(10000).default(50).describe('How many of the most requested URLs to warm.'),
  concurrency: z.number().int().min(1).max(32).default(4).describe('Parallel warm requests.'),
  interval: duration.default('1h').describe('How often pre-warm runs (also once after boot).'),
  bootDelay: duration.default('2min').describe('Pre-warm runs this long after boot (the cache is tmpfs, so it starts empty).'),
  timeoutSeconds: z.number().int().min(1).max(120).default(10).describe('Timeout of one warm request.'),
  urls: z.array(z.string().regex(/^\/[^\s]*$/, 'must be a path starting with / and without spaces')).default([]).describe('Paths always warmed, before the top-N from the logs.'),
}).describe('Cache pre-warm.');

export const HitRatioSchema = z.strictObject({
  window: duration.default('5min').describe('The access-log window the hit ratio is computed over.'),
  interval: duration.default('1min').describe('How often the hit ratio is recomputed for node-exporter.'),
}).describe('Cache hit-ratio metrics (node-exporter textfile).');

export const FrontendRoleSchema = z.strictObject({
  kind: z.literal('frontend').describe('frontend: Nginx reverse-proxy cache and keepalived.'),
  hostname: hostname.describe('Hostname (/etc/hostname, /etc/hosts), like CN00.'),
  address: ipv4.describe('Static IPv4 of this node.'),
  vrrp: z.strictObject({
    state: z.enum(['MASTER', 'BACKUP']).describe('Initial VRRP state.'),
    priority: z.number().int().min(1).max(254).describe('VRRP priority (MASTER highest).'),
  }).describe('This node in the VIP group.'),
  nginx: NginxSchema,
  probe: ProbeSchema.prefault({}),
  prewarm: PrewarmSchema.prefault({}),
  hitRatio: HitRatioSchema.prefault({}),
}).describe('A frontend node: Nginx cache in front of the OKOME app, keepalived VIP.');

export const RedisSchema = z.strictObject({
  port: port.default(6379).describe('Redis port.'),
  maxmemory: redisSize.default('256mb').describe('Redis maxmemory; leave room for the OS.'),
  policy: z.enum(['allkeys-lru', 'allkeys-lfu', 'volatile-lru', 'volatile-lfu', 'volatile-ttl', 'noeviction']).default('allkeys-lru').describe('Eviction policy.'),
  persistence: z.enum(['none', 'rdb']).default('rdb').describe('none, or an RDB snapshot at a long interval (no AOF: spares the SD card).'),
  rdbSaveSeconds: z.number().int().min(300).default(3600).describe('RDB snapshot interval when persistence is rdb.'),
  allowFrom: z.array(z.string()).default([]).describe('Roles or IPv4 addresses allowed to reach Redis (empty: every frontend role).'),
  keyPattern: z.string().regex(/^[A-Za-z0-9:_*?.\-{}[\]]+$/, 'must be a Redis glob without spaces, like okome:*').default('okome:*').describe('Keys the planner user may touch (an ACL key pattern).'),
  tcpBacklog: z.number().int().min(64).max(65535).default(511).describe('Redis tcp-backlog; must not exceed net.core.somaxconn (1024 on a backend).'),
  tcpKeepalive: z.number().int().min(0).max(3600).default(60).describe('Seconds between TCP keepalives to clients (finds dead peers; 0 is off).'),
  idleTimeout: z.number().int().min(0).max(86400).default(300).describe('Close a client connection idle for this many seconds (0 never); pooled clients must reconnect.'),
  maxclients: z.number().int().min(16).max(10000).default(512).describe('Most simultaneous client connections.'),
}).describe('Redis for the planner cache.');

export const BackendRoleSchema = z.strictObject({
  kind: z.literal('backend').describe('backend: Redis for the planner cache.'),
  hostname: hostname.describe('Hostname (/etc/hostname, /etc/hosts), like CN01.'),
  address: ipv4.describe('Static IPv4 of this node.'),
  redis: RedisSchema.prefault({}),
}).describe('A backend node: Redis for the planner cache.');

export const RoleSchema = z.discriminatedUnion('kind', [FrontendRoleSchema, BackendRoleSchema]);

export const FleetSchema = z.strictObject({
  base: z.enum(['debian', 'raspios']).default('debian').describe('debian: built natively here; raspios: through the emitted pi-gen stage.'),
  release: z.enum(['trixie', 'bookworm']).default('trixie').describe('Debian release.'),
  arch: z.literal('arm64').default('arm64').describe('Device architecture.'),
  mirror: httpUrl.default('http://deb.debian.org/debian').describe('Debian mirror for the build.'),
  components: z.array(z.string()).default(['main', 'non-free-firmware']).describe('Archive components (raspi-firmware is in non-free-firmware).'),
  boards: z.array(z.enum(BOARDS)).min(1).default(['pi3', 'pi4', 'pi400', 'cm4', 'zero2w']).describe('Boards the image must boot (pi5 needs the raspios base).'),
  timezone: matching(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'a timezone name (like Europe/Berlin or Etc/UTC)').default('Etc/UTC').describe('Timezone (/etc/timezone; the build links /etc/localtime to it).'),
  ntp: z.array(z.string()).min(1).default(['0.debian.pool.ntp.org', '1.debian.pool.ntp.org']).describe('NTP servers for systemd-timesyncd.'),
  secretsDir: z.string().default('.secrets').describe('Where generated secrets live (git-ignored, mode 0700/0600).'),
  network: NetworkSchema.prefault({}),
  admin: AdminSchema.prefault({}),
  journald: JournaldSchema.prefault({}),
  sysctl: z.record(z.string().regex(/^[a-z0-9_.]+$/), z.union([z.string(), z.number()])).default({}).describe('Extra sysctl keys, merged over the per-kind defaults.'),
  fstab: FstabSchema.prefault({}),
  boot: BootSchema.prefault({}),
  disk: DiskSchema.prefault({}),
  vip: VipSchema.optional(),
  roles: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'role names are lowercase, like cn00'), RoleSchema)
    .refine((r) => Object.keys(r).length > 0, 'at least one role is needed').describe('The nodes of the fleet.'),
});

export type FleetInput = z.input<typeof FleetSchema>;
export type Fleet = z.output<typeof FleetSchema>;
export type Role = z.output<typeof RoleSchema>;
export type FrontendRole = z.output<typeof FrontendRoleSchema>;
export type BackendRole = z.output<typeof BackendRoleSchema>;
export type Kind = Role['kind'];
