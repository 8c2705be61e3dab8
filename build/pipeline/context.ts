// What every step receives. Side effects come in through runner and reporter; the plan, config
// and secrets are data. `state` carries results from one step to the next.
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Runner } from '../infra/runner.ts';
import type { Catalog } from '../plan/catalog.ts';
import type { Layout } from '../plan/disk.ts';
import type { ImagePlan } from '../plan/plan.ts';
import type { Secrets } from '../plan/secrets.ts';
import type { Reporter } from '../ui/reporter.ts';

export interface BuildDirs {
  /** out/<role>: where finished artifacts are published. */
  out: string;
  /** out/<role>/.work-<pid>: everything in progress; removed at the end, success or not. */
  work: string;
  rootfs: string;
  bootfs: string;
  piGen: string;
  logs: string;
  cache: string;
}

export interface BuildState {
  startedAt: number;
  baseTar?: string;
  cacheHit?: boolean;
  layout?: Layout;
  packages?: Record<string, string>;
  stepMs: Record<string, number>;
  /** Files in the work dir that publish moves into out/<role>. */
  artifacts: string[];
}

export interface BuildContext {
  runner: Runner;
  reporter: Reporter;
  repoRoot: string;
  config: ResolvedConfig;
  plan: ImagePlan;
  secrets: Secrets;
  catalog: Catalog;
  dirs: BuildDirs;
  options: { compress: boolean; refreshBase: boolean };
  state: BuildState;
}

export const logFor = (ctx: BuildContext, step: string) => `${ctx.dirs.logs}/${step}.log`;
