// build: config -> plan -> steps -> published artifacts in out/<role>/. Nothing half-done is
// left behind: work happens in out/<role>/.work-<pid>, artifacts are renamed into place only
// after every step passed, and the work dir is removed whatever happens.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { ResolvedConfig } from '../config/resolve.ts';
import { loadCatalog } from '../infra/catalog.ts';
import { publish, removeTree } from '../infra/fsx.ts';
import { runPreflight } from '../infra/preflight.ts';
import type { Runner } from '../infra/runner.ts';
import { loadSecrets } from '../infra/secrets.ts';
import type { BuildContext } from '../pipeline/context.ts';
import { runSteps } from '../pipeline/run.ts';
import { STEPS } from '../pipeline/steps.ts';
import { baseTarPath } from '../steps/base.ts';
import { planImage, type PlanOptions } from '../plan/plan.ts';
import { UsageError, UserFacingError } from '../ui/errors.ts';
import type { Reporter } from '../ui/reporter.ts';

export interface BuildArgs {
  roles: string[] | 'all';
  configFile: string;
  outDir: string;
  cacheDir: string;
  compress: boolean;
  refreshBase: boolean;
  preflightFix: boolean;
}

export interface Deps { runner: Runner; reporter: Reporter; repoRoot: string }

export function selectRoles(config: ResolvedConfig, roles: string[] | 'all'): string[] {
  const known = Object.keys(config.roles);
  if (roles === 'all') return known;
  if (roles.length === 0) throw new UsageError(`--role is required: one of ${known.join(', ')} (or --all)`);
  for (const r of roles) if (!config.roles[r]) throw new UsageError(`--role ${r}: no such role in the config (known: ${known.join(', ')})`);
  return roles;
}

export function planOptions(args: Pick<BuildArgs, 'outDir' | 'cacheDir'>): PlanOptions {
  const sde = process.env.SOURCE_DATE_EPOCH;
  return { outDir: args.outDir, cacheDir: args.cacheDir, sourceDateEpoch: sde && /^\d+$/.test(sde) ? Number(sde) : undefined };
}

function takeLock(dir: string, role: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    let alive = false;
    try { process.kill(pid, 0); alive = pid !== process.pid; } catch { alive = false; }
    if (alive) throw new UserFacingError(`another build of ${role} is running (pid ${pid})`, `wait for it, or stop it; ${lock} is its lock`);
  }
  writeFileSync(lock, String(process.pid));
  return () => rmSync(lock, { force: true });
}

export async function buildCommand(args: BuildArgs, deps: Deps): Promise<void> {
  const config = await loadConfig(args.configFile);
  const roles = selectRoles(config, args.roles);
  const catalog = loadCatalog(deps.repoRoot);
  const logDir = join(args.outDir, '.logs');
  mkdirSync(logDir, { recursive: true });
  if (config.base === 'raspios') deps.reporter.info('base "raspios": the native build makes the Debian flavour; out/<role>/pi-gen is the stage for a pi-gen checkout.');

  const plans = roles.map((r) => planImage(config, r, planOptions(args)));
  const cold = plans.some((p) => !existsSync(baseTarPath(args.cacheDir, p.kindLayer.cacheKey)));
  const pre = await runPreflight({
    tools: plans[0]!.hostTools, outDir: args.outDir, needBytes: (cold ? 6 : 3) * 2 ** 30,
    runner: deps.runner, reporter: deps.reporter, log: join(logDir, 'preflight.log'), canFix: args.preflightFix,
  });
  if (pre.length) deps.reporter.info(`preflight: ${pre.join('; ')}`);
  const { secrets, created, dir } = await loadSecrets(config, deps.runner, join(logDir, 'secrets.log'));
  if (created.length) deps.reporter.info(`secrets: generated ${created.map((c) => basename(c)).join(', ')} in ${resolve(dir)} (mode 0600, git-ignored; keep them: both roles use them)`);

  for (const plan of plans) {
    const out = resolve(plan.artifacts.dir);
    const unlock = takeLock(out, plan.role);
    // Absolute: stage scripts run with their own working directory.
    const work = join(out, `.work-${process.pid}`);
    const ctx: BuildContext = {
      runner: deps.runner, reporter: deps.reporter, repoRoot: deps.repoRoot, config, plan, secrets, catalog,
      dirs: { out, work, rootfs: join(work, 'rootfs'), bootfs: join(work, 'bootfs'), piGen: join(work, 'pi-gen'), logs: resolve(plan.artifacts.logsDir), cache: resolve(args.cacheDir) },
      options: { compress: args.compress, refreshBase: args.refreshBase },
      state: { startedAt: Date.now(), stepMs: {}, artifacts: [] },
    };
    rmSync(ctx.dirs.logs, { recursive: true, force: true });
    mkdirSync(ctx.dirs.logs, { recursive: true });
    deps.reporter.info(`building ${plan.role} (${plan.kind}, ${plan.hostname} ${plan.address}) -> ${out}/`);
    try {
      await runSteps(ctx, STEPS);
      publishArtifacts(ctx);
      const secs = ((Date.now() - ctx.state.startedAt) / 1000).toFixed(1);
      deps.reporter.info(`${plan.role}: ${join(out, plan.artifacts.img)} ready in ${secs} s${ctx.state.cacheHit ? ' (base cache hit)' : ''}`);
    } finally {
      removeTree(work);
      unlock();
    }
  }
}

function publishArtifacts(ctx: BuildContext): void {
  const { out } = ctx.dirs;
  const produced = new Set(ctx.state.artifacts.map((a) => basename(a)));
  // An artifact of an earlier build that this build did not make would not match SHA256SUMS.
  for (const stale of [ctx.plan.artifacts.xz, ctx.plan.artifacts.bmap]) if (!produced.has(stale)) rmSync(join(out, stale), { force: true });
  publish(ctx.dirs.piGen, join(out, 'pi-gen'));
  for (const a of ctx.state.artifacts) publish(a, join(out, basename(a)));
}
