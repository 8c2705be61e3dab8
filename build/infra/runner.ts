// The one choke point for subprocesses. Every external tool runs through a Runner: its output
// goes to the step's log file (and to the terminal with --verbose); a failure becomes a
// StepFailedError naming the command, how it ended and where the log is.
import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { execa, type ExecaError } from 'execa';
import { CancelledError, StepFailedError } from '../ui/errors.ts';
import { shellQuote } from '../plan/shell.ts';

export interface RunOptions {
  /** Step name, for error messages. */
  step: string;
  /** Append stdout+stderr here. */
  log?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  /** Return stdout instead of only logging it. */
  capture?: boolean;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
}

export interface RunResult { stdout: string; exitCode: number; durationMs: number }

export interface Runner {
  run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult>;
}

export function tailOf(file: string | undefined, lines = 15): string {
  if (!file || !existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

export function describeCommand(cmd: string, args: readonly string[], max = 300): string {
  const s = [cmd, ...args].map(shellQuote).join(' ');
  return s.length > max ? `${s.slice(0, max)} …` : s;
}

export class ExecaRunner implements Runner {
  constructor(private readonly opts: { verbose?: boolean; signal?: AbortSignal } = {}) {}

  async run(cmd: string, args: readonly string[], o: RunOptions): Promise<RunResult> {
    const started = Date.now();
    const shown = describeCommand(cmd, args);
    if (o.log) {
      mkdirSync(dirname(o.log), { recursive: true });
      appendFileSync(o.log, `\n$ ${shown}\n`);
    }
    if (this.opts.signal?.aborted) throw new CancelledError(o.step);
    const sinks: ('pipe' | 'inherit' | { file: string; append: boolean })[] = [];
    if (o.log) sinks.push({ file: o.log, append: true });
    if (this.opts.verbose) sinks.push('inherit');
    if (o.capture || sinks.length === 0) sinks.push('pipe');
    const stderr = sinks.filter((s) => s !== 'pipe');
    let onAbort: (() => void) | undefined;
    try {
      const sub = execa(cmd, [...args], {
        cwd: o.cwd,
        env: o.env,
        extendEnv: true,
        input: o.input,
        stdin: o.input === undefined ? 'ignore' : undefined,
        stdout: sinks as never,
        stderr: (stderr.length ? stderr : ['pipe']) as never,
        // Own process group, so cancelling stops the tool and everything it started.
        detached: true,
        cleanup: true,
        reject: false,
        stripFinalNewline: false,
      });
      let cancelled = false;
      onAbort = () => {
        cancelled = true;
        const kill = (sig: NodeJS.Signals) => { try { if (sub.pid) process.kill(-sub.pid, sig); } catch { /* gone */ } };
        kill('SIGTERM');
        setTimeout(() => kill('SIGKILL'), 5000).unref();
      };
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      const r = await sub;
      const exitCode = r.exitCode ?? -1;
      if (cancelled || this.opts.signal?.aborted) throw new CancelledError(o.step);
      const notFound = (r as unknown as ExecaError).code === 'ENOENT';
      const ok = !notFound && !r.signal && r.exitCode !== undefined && (o.okCodes ?? [0]).includes(exitCode);
      if (!ok) {
        const status = notFound ? 'was not found (is it installed?)'
          : r.signal ? `was killed by ${r.signal}` : r.exitCode === undefined ? `could not start: ${(r as unknown as ExecaError).shortMessage}` : `exited with status ${exitCode}`;
        const tail = o.log ? tailOf(o.log) : `${String(r.stderr ?? '').slice(-2000)}`;
        throw new StepFailedError(o.step, shown, status, tail, o.log);
      }
      if (o.log) appendFileSync(o.log, `# ok in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return { stdout: typeof r.stdout === 'string' ? r.stdout : '', exitCode, durationMs: Date.now() - started };
    } catch (e) {
      if (e instanceof StepFailedError || e instanceof CancelledError) throw e;
      throw new StepFailedError(o.step, shown, `could not start: ${e instanceof Error ? e.message : String(e)}`, '', o.log);
    } finally {
      if (onAbort) this.opts.signal?.removeEventListener('abort', onAbort);
    }
  }
}
