// manifest: what is in the image (exact package versions from its dpkg status), how it was made,
// and SHA256SUMS over every artifact. No secret ever enters either file.
import { createHash } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildContext } from '../pipeline/context.ts';

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

export function buildManifest(ctx: BuildContext) {
  const p = ctx.plan;
  const l = ctx.state.layout!;
  return {
    tool: p.tool,
    role: p.role,
    kind: p.kind,
    hostname: p.hostname,
    address: p.address,
    base: p.base,
    release: p.release,
    arch: p.arch,
    boards: p.boards,
    configHash: p.configHash,
    baseCacheKey: p.baseCacheKey,
    baseCacheHit: ctx.state.cacheHit ?? false,
    sourceDateEpoch: p.sourceDateEpoch,
    image: { file: p.artifacts.img, bytes: l.total },
    partitions: [
      { number: 1, label: p.disk.bootLabel, fs: 'vfat', startBytes: l.bootStart, sizeBytes: l.bootSize },
      { number: 2, label: p.disk.rootLabel, fs: 'ext4', startBytes: l.rootStart, sizeBytes: l.rootSize, growsAtFirstBoot: true },
    ],
    buildSeconds: Math.round((Date.now() - ctx.state.startedAt) / 100) / 10,
    stepSeconds: Object.fromEntries(Object.entries(ctx.state.stepMs).map(([k, v]) => [k, Math.round(v / 100) / 10])),
    stagePackages: p.stagePackages,
    packages: ctx.state.packages ?? {},
  };
}

export async function manifestStep(ctx: BuildContext): Promise<string> {
  const manifest = join(ctx.dirs.work, ctx.plan.artifacts.manifest);
  writeFileSync(manifest, `${JSON.stringify(buildManifest(ctx), null, 2)}\n`);
  ctx.state.artifacts.push(manifest);
  const lines: string[] = [];
  for (const a of ctx.state.artifacts) lines.push(`${await sha256File(a)}  ${basename(a)}`);
  const sums = join(ctx.dirs.work, ctx.plan.artifacts.sums);
  writeFileSync(sums, `${lines.sort((a, b) => a.slice(66).localeCompare(b.slice(66))).join('\n')}\n`);
  ctx.state.artifacts.push(sums);
  return `${Object.keys(ctx.state.packages ?? {}).length} packages, ${lines.length} checksums (${(statSync(manifest).size / 1024).toFixed(0)} KiB manifest)`;
}
