// What first-boot verification expects of one role: rendered into /etc/okome/okome.env and the
// okome-verify.service ordering. Derived from the resolved config only. Pure.
import type { ResolvedConfig } from '../config/resolve.ts';

/** A systemd unit that must be active, and the name of the check that says so. */
export interface ActiveUnit { check: string; unit: string }

const COMMON_ACTIVE: ActiveUnit[] = [{ check: 'ssh-active', unit: 'ssh.service' }];
const FRONTEND_ACTIVE: ActiveUnit[] = [
  { check: 'nginx-active', unit: 'nginx.service' },
  { check: 'keepalived-active', unit: 'keepalived.service' },
  { check: 'health-probe-timer', unit: 'okome-health-probe.timer' },
  { check: 'prewarm-timer', unit: 'okome-prewarm.timer' },
];
const BACKEND_ACTIVE: ActiveUnit[] = [{ check: 'redis-active', unit: 'redis-server.service' }];

/** Services the checks talk to; okome-verify.service starts after them. */
const COMMON_AFTER = ['nftables.service', 'fail2ban.service', 'prometheus-node-exporter.service', 'systemd-networkd.service'];

export function makeVerifyContext(config: ResolvedConfig, roleName: string) {
  const role = config.roles[roleName];
  if (!role) throw new Error(`unknown role ${roleName}`);
  // Only the backends whose firewall lets this node in (redis.allowFrom; empty means every frontend).
  const admits = (allow: readonly string[]) => allow.length === 0 ? role.kind === 'frontend' : allow.includes(roleName) || allow.includes(role.address);
  const backends = Object.values(config.roles).flatMap((r) => (r.kind === 'backend' && admits(r.redis.allowFrom) ? [`${r.address}:${r.redis.port}`] : []));
  const firstBackend = Object.values(config.roles).find((r) => r.kind === 'backend');
  const tmpfs = config.fstab.tmpfs.map((t) => t.path);
  if (role.kind === 'frontend') tmpfs.push('/var/cache/nginx');
  const activeUnits = [...COMMON_ACTIVE, ...(role.kind === 'frontend' ? FRONTEND_ACTIVE : BACKEND_ACTIVE)];
  return {
    iface: config.network.interface,
    dns: config.network.dns.join(' '),
    vip: role.kind === 'frontend' && config.vip ? config.vip.address : '',
    /** The backend's own port; on a frontend, the first backend's port (BACKENDS has each). */
    redisPort: role.kind === 'backend' ? role.redis.port : (firstBackend?.kind === 'backend' ? firstBackend.redis.port : 6379),
    backends: role.kind === 'frontend' ? backends.join(' ') : '',
    nginxPort: role.kind === 'frontend' ? role.nginx.listenPort : 0,
    tmpfs: [...new Set(tmpfs)].join(' '),
    rootOptions: config.fstab.rootOptions,
    adminUser: config.admin.user,
    nftTable: 'inet filter',
    nodeExporterUrl: 'http://127.0.0.1:9100/metrics',
    /** "check=unit" pairs, space-separated. */
    activeUnits: activeUnits.map((u) => `${u.check}=${u.unit}`).join(' '),
    /** Role-specific checkers whose PASS/FAIL lines join the verdict (scripts/<kind>/). */
    extraCheckers: role.kind === 'backend' ? 'okome-backend-check' : 'okome-frontend-check',
    /** okome-verify.service is ordered after these. */
    after: [...new Set(['okome-firstboot.service', 'network-online.target', ...COMMON_AFTER, ...activeUnits.map((u) => u.unit)])].join(' '),
  };
}
