// plan(config, role) -> ImagePlan: everything one build will do, as JSON-printable data. Pure.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Kind } from '../config/schema.ts';
import { baseCacheKey, hashOf, mmdebstrapArgv, planBaseRecipe, planKindLayer, type BaseRecipe, type KindLayer } from './base.ts';
import { planStagePackages } from './packages.ts';
import { planUnits, type UnitPlan } from './units.ts';
import { TOOL } from './tool.ts';
import { planHostTools, type HostTool } from './hosttools.ts';

export const DEFAULT_SOURCE_DATE_EPOCH = 1767225600; // 2026-01-01T00:00:00Z

export interface DiskPlan {
  table: 'dos';
  /** MBR disk identifier, fixed per role so the image is reproducible (PARTUUIDs derive from it). */
  diskId: string;
  bootStartMiB: number;
  bootSizeMiB: number;
  bootLabel: 'bootfs';
  bootVolumeId: string;
  rootLabel: 'rootfs';
  rootUuid: string;
  rootHeadroomMiB: number;
  /** Root filesystem grows to the card at first boot, so it is the last partition. */
  growRootAtFirstBoot: true;
}

export interface ArtifactNames {
  dir: string;
  img: string;
  xz: string;
  bmap: string;
  manifest: string;
  sums: string;
  piGenDir: string;
  logsDir: string;
}

export interface ImagePlan {
  tool: typeof TOOL;
  role: string;
  kind: Kind;
  hostname: string;
  address: string;
  base: ResolvedConfig['base'];
  release: string;
  arch: string;
  boards: readonly string[];
  configHash: string;
  sourceDateEpoch: number;
  imageName: string;
  baseRecipe: BaseRecipe;
  baseCacheKey: string;
  kindLayer: KindLayer;
  stagePackages: string[];
  units: UnitPlan;
  disk: DiskPlan;
  artifacts: ArtifactNames;
  hostTools: HostTool[];
  /** Secrets the build reads or generates (names only, never values). */
  secrets: string[];
  commands: { bootstrap: string[] };
}

export interface PlanOptions {
  outDir?: string;
  cacheDir?: string;
  sourceDateEpoch?: number;
}

function idFrom(seed: string, hexLen: number): string {
  return hashOf(seed).slice(0, hexLen);
}

function uuidFrom(seed: string): string {
  const h = idFrom(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function planImage(config: ResolvedConfig, roleName: string, opts: PlanOptions = {}): ImagePlan {
  const role = config.roles[roleName];
  if (!role) throw new Error(`unknown role "${roleName}"`);
  const outDir = opts.outDir ?? 'out';
  const cacheDir = opts.cacheDir ?? '.cache';
  const imageName = `okome-${roleName}`;
  const dir = `${outDir}/${roleName}`;
  const recipe = planBaseRecipe(config);
  const key = baseCacheKey(recipe);
  const secrets = ['keepalived.pass', 'redis-planner.pass', 'redis-admin.pass', 'redis-health.pass', 'pi-gen-first-user.pass'];
  if (config.admin.sshKeys === 'generate') secrets.unshift('admin_ed25519');
  return {
    tool: TOOL,
    role: roleName,
    kind: role.kind,
    hostname: role.hostname,
    address: role.address,
    base: config.base,
    release: config.release,
    arch: config.arch,
    boards: config.boards,
    configHash: hashOf(config),
    sourceDateEpoch: opts.sourceDateEpoch ?? DEFAULT_SOURCE_DATE_EPOCH,
    imageName,
    baseRecipe: recipe,
    baseCacheKey: key,
    kindLayer: planKindLayer(role.kind, key),
    stagePackages: planStagePackages(role.kind),
    units: planUnits(role.kind),
    disk: {
      table: 'dos',
      diskId: `0x${idFrom(`disk:${roleName}`, 8)}`,
      bootStartMiB: 8,
      bootSizeMiB: config.disk.bootSizeMiB,
      bootLabel: 'bootfs',
      bootVolumeId: idFrom(`vfat:${roleName}`, 8),
      rootLabel: 'rootfs',
      rootUuid: uuidFrom(`ext4:${roleName}`),
      rootHeadroomMiB: config.disk.rootHeadroomMiB,
      growRootAtFirstBoot: true,
    },
    artifacts: {
      dir,
      img: `${imageName}.img`,
      xz: `${imageName}.img.xz`,
      bmap: `${imageName}.img.bmap`,
      manifest: 'manifest.json',
      sums: 'SHA256SUMS',
      piGenDir: `${dir}/pi-gen`,
      logsDir: `${dir}/logs`,
    },
    hostTools: planHostTools(),
    secrets: secrets.map((s) => `${config.secretsDir}/${s}`),
    commands: { bootstrap: ['mmdebstrap', ...mmdebstrapArgv(recipe, `${cacheDir}/${key}.tar`)] },
  };
}
