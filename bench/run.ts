// npm run bench — time the build the way operators feel it:
//   warm:  rebuild cn00 after an overlay-only change (cached base), with and without compression
//   cold:  (--cold) both roles from an empty cache directory (bench/.cache-cold, removed after)
// Figures come from the build's own manifest (stepSeconds) and wall-clock time of the whole
// command; sizes from the artifacts. Prints a table; writes bench/last.json.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const cold = process.argv.includes('--cold');

interface Row { case: string; seconds: number; steps: Record<string, number>; imgMB?: number; xzMB?: number }

async function timedBuild(name: string, args: string[], env: Record<string, string> = {}): Promise<Row> {
  const t0 = Date.now();
  const r = await execa('npx', ['tsx', 'build/cli.ts', 'build', ...args], { cwd: REPO, env: { CI: '1', ...env }, reject: false, all: true });
  const seconds = (Date.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`${name} failed:\n${(r.all ?? '').slice(-3000)}`);
  const outDir = args[args.indexOf('--out') + 1] ?? 'out';
  const role = args[args.indexOf('--role') + 1] ?? 'cn00';
  const dir = join(REPO, outDir, role);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const size = (f: string) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size / 1e6 : undefined);
  return { case: name, seconds, steps: m.stepSeconds, imgMB: size(`okome-${role}.img`), xzMB: size(`okome-${role}.img.xz`) };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const out = mkdtempSync(join(tmpdir(), 'okome-bench-out-'));
  try {
    if (cold) {
      const cache = join(REPO, 'bench', '.cache-cold');
      rmSync(cache, { recursive: true, force: true });
      try {
        rows.push(await timedBuild('cold cn00 (empty cache)', ['--role', 'cn00', '--cache', cache, '--out', out]));
        rows.push(await timedBuild('cold cn01 (base cached, kind layer new)', ['--role', 'cn01', '--cache', cache, '--out', out]));
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    }
    // A rebuild after an overlay-only change runs exactly these steps: the base and kind layer stay cached.
    rows.push(await timedBuild('warm cn00, no compression', ['--role', 'cn00', '--out', out, '--no-compress']));
    rows.push(await timedBuild('warm cn00, with .xz and .bmap', ['--role', 'cn00', '--out', out]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const steps = [...new Set(rows.flatMap((r) => Object.keys(r.steps)))];
  console.log(['case', 'total s', ...steps.map((s) => `${s} s`), 'img MB', 'xz MB'].join(' | '));
  for (const r of rows) console.log([r.case, r.seconds.toFixed(1), ...steps.map((s) => r.steps[s]?.toFixed(1) ?? '-'), r.imgMB?.toFixed(0) ?? '-', r.xzMB?.toFixed(0) ?? '-'].join(' | '));
  writeFileSync(join(REPO, 'bench', 'last.json'), `${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
