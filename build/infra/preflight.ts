// Preflight: every missing host tool, binfmt/qemu-user problem and disk shortage, found at once
// before any work. As root on an apt host it fixes what it can (and says so); otherwise it
// prints the one command that does.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { arch } from 'node:os';
import { delimiter, join } from 'node:path';
import type { HostTool } from '../plan/hosttools.ts';
import { ToolMissingError, type MissingTool } from '../ui/errors.ts';
import type { Reporter } from '../ui/reporter.ts';
import type { Runner } from './runner.ts';

const EXTRA_PATH = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function findTool(tool: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter), ...EXTRA_PATH]) {
    if (!dir) continue;
    const p = join(dir, tool);
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

export interface BinfmtState { needed: boolean; mounted: boolean; registered: boolean; fixBinary: boolean }

export function readBinfmt(): BinfmtState {
  const a = arch();
  if (a === 'arm64') return { needed: false, mounted: true, registered: true, fixBinary: true };
  const mounted = existsSync('/proc/sys/fs/binfmt_misc/status');
  const entry = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
  const text = mounted && existsSync(entry) ? readFileSync(entry, 'utf8') : '';
  return { needed: true, mounted, registered: /^enabled$/m.test(text), fixBinary: /^flags: .*F/m.test(text) };
}

function binfmtProblems(b: BinfmtState): string[] {
  if (!b.needed) return [];
  if (!b.mounted) return ['binfmt_misc is not mounted (arm64 programs cannot run in the chroot)'];
  if (!b.registered) return ['qemu-aarch64 is not registered with binfmt_misc'];
  if (!b.fixBinary) return ['qemu-aarch64 is registered without the F (fix-binary) flag, so it fails inside a chroot'];
  return [];
}

export interface PreflightOptions {
  tools: readonly HostTool[];
  /** Where the build writes; its file system must have room. */
  outDir: string;
  needBytes: number;
  runner: Runner;
  reporter: Reporter;
  log: string;
  /** Install/enable what is missing (root on an apt host). */
  canFix: boolean;
}

export async function runPreflight(o: PreflightOptions): Promise<string[]> {
  const notes: string[] = [];
  let missing: MissingTool[] = o.tools.filter((t) => !findTool(t.tool)).map((t) => ({ tool: t.tool, why: t.why, package: t.package }));
  let binfmt = readBinfmt();
  const pkgs = () => [...new Set(missing.map((m) => m.package).concat(binfmt.needed && !binfmt.registered ? ['qemu-user-static', 'binfmt-support'] : []))];

  if (o.canFix && (missing.length || binfmtProblems(binfmt).length)) {
    const step = 'preflight';
    if (pkgs().length) {
      o.reporter.info(`preflight: installing ${pkgs().join(' ')} with apt-get (running as root)`);
      await o.runner.run('apt-get', ['update'], { step, log: o.log });
      await o.runner.run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs()], { step, log: o.log, env: { DEBIAN_FRONTEND: 'noninteractive' } });
      notes.push(`installed ${pkgs().join(' ')}`);
    }
    binfmt = readBinfmt();
    if (binfmt.needed && !binfmt.mounted) {
      o.reporter.info('preflight: mounting binfmt_misc');
      await o.runner.run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'], { step, log: o.log });
      notes.push('mounted binfmt_misc');
    }
    binfmt = readBinfmt();
    if (binfmt.needed && (!binfmt.registered || !binfmt.fixBinary) && findTool('update-binfmts')) {
      o.reporter.info('preflight: enabling qemu-aarch64 in binfmt_misc');
      await o.runner.run('update-binfmts', ['--enable', 'qemu-aarch64'], { step, log: o.log, okCodes: [0, 2] });
      notes.push('enabled qemu-aarch64');
    }
    binfmt = readBinfmt();
    missing = o.tools.filter((t) => !findTool(t.tool)).map((t) => ({ tool: t.tool, why: t.why, package: t.package }));
  }

  const other = binfmtProblems(binfmt);
  mkdirSync(o.outDir, { recursive: true });
  const fs = statfsSync(o.outDir);
  const free = fs.bavail * fs.bsize;
  if (free < o.needBytes) other.push(`only ${(free / 2 ** 30).toFixed(1)} GiB free under ${o.outDir}; this build needs about ${(o.needBytes / 2 ** 30).toFixed(1)} GiB`);
  if (missing.length || other.length) {
    const fixPkgs = pkgs();
    const fix = [
      fixPkgs.length ? `sudo apt-get install -y ${fixPkgs.join(' ')}` : '',
      binfmt.needed && !binfmt.mounted ? 'sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc' : '',
      binfmt.needed && (!binfmt.registered || !binfmt.fixBinary) ? 'sudo update-binfmts --enable qemu-aarch64' : '',
    ].filter(Boolean).join(' && ');
    throw new ToolMissingError(missing, fix, other);
  }
  return notes;
}
