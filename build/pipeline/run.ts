// A small linear runner: each step in order, timed and reported; the first failure stops it.
import type { BuildContext } from './context.ts';
import type { Step } from './steps.ts';

export async function runSteps(ctx: BuildContext, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if (step.skip?.(ctx)) {
      ctx.reporter.note(step.name, 'skipped');
      continue;
    }
    const t0 = Date.now();
    ctx.reporter.start(step.name, step.what);
    try {
      const summary = await step.run(ctx);
      ctx.state.stepMs[step.name] = Date.now() - t0;
      ctx.reporter.succeed(step.name, Date.now() - t0, summary || undefined);
    } catch (e) {
      ctx.reporter.fail(step.name, Date.now() - t0);
      throw e;
    }
  }
}
