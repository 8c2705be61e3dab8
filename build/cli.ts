#!/usr/bin/env -S npx tsx
// The only place that parses argv, prints errors and exits.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommand } from './commands/build.ts';
import { cacheCommand } from './commands/cache.ts';
import { flashCommand } from './commands/flash.ts';
import { planCommand } from './commands/plan.ts';
import { renderCommand } from './commands/render.ts';
import { verifyCommand } from './commands/verify.ts';
import { ExecaRunner } from './infra/runner.ts';
import { InternalError, OkomeError, UsageError } from './ui/errors.ts';
import { createReporter } from './ui/reporter.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The cached bases outlive a checkout (like any CLI cache): shared by every clone on the host. */
function defaultCacheDir(): string {
  if (process.env.OKOME_CACHE_DIR) return process.env.OKOME_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'okome-image');
}

const HELP = `okome-image: golden Raspberry Pi images for the OKOME cache

usage: okome-image <command> [options]
  build   --role cn00 [--role cn01 | --all]   build out/<role>/okome-<role>.img (+ .xz, .bmap, SHA256SUMS, manifest.json, pi-gen/)
  plan    --role cn00 [--json]                 print what a build would do
  render  --role cn00                          write only out/<role>/pi-gen (pi-gen config + stage)
  verify  --role cn00 | --image FILE           static checks of a built image
  flash   --role cn00 --device /dev/sdX --yes  write the image with bmaptool
  cache   [list|clear]                         cached bases

options: --config FILE (default image.config.ts)  --out DIR (default out)  --cache DIR (default $OKOME_CACHE_DIR, else $XDG_CACHE_HOME/okome-image, else ~/.cache/okome-image)
         --no-compress (skip .xz/.bmap)  --refresh-base (rebuild the cached base)  --verbose (stream tool output)
         --no-install (preflight only reports; never apt-get/mount)`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string', multiple: true, default: [] },
      all: { type: 'boolean', default: false },
      config: { type: 'string', default: 'image.config.ts' },
      out: { type: 'string', default: 'out' },
      cache: { type: 'string', default: defaultCacheDir() },
      json: { type: 'boolean', default: false },
      'no-compress': { type: 'boolean', default: false },
      'refresh-base': { type: 'boolean', default: false },
      'no-install': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      image: { type: 'string' },
      device: { type: 'string' },
      yes: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'help', ...rest] = positionals;
  const print = (s: string) => process.stdout.write(`${s}\n`);
  if (values.help || command === 'help') { print(HELP); return 0; }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping; cleaning up (press Ctrl-C again to force)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runner = new ExecaRunner({ verbose: values.verbose, signal: controller.signal });
  const reporter = createReporter();
  const roles = values.all ? 'all' as const : values.role;
  const common = { roles, configFile: values.config, outDir: values.out, cacheDir: values.cache };
  try {
    switch (command) {
      case 'build':
        await buildCommand({ ...common, compress: !values['no-compress'], refreshBase: values['refresh-base'], preflightFix: !values['no-install'] && process.getuid?.() === 0 }, { runner, reporter, repoRoot: REPO });
        break;
      case 'plan':
        await planCommand({ ...common, json: values.json }, print);
        break;
      case 'render':
        await renderCommand(common, { runner, reporter, repoRoot: REPO });
        break;
      case 'verify': {
        const role = values.role[0];
        const img = values.image ?? (role ? join(values.out, role, `okome-${role}.img`) : undefined);
        if (!img) throw new UsageError('verify needs --role ROLE or --image FILE');
        await verifyCommand(img, undefined, print);
        break;
      }
      case 'flash': {
        const role = values.role[0];
        if (!role) throw new UsageError('flash needs --role ROLE');
        await flashCommand({ dir: join(values.out, role), img: `okome-${role}.img`, device: values.device, yes: values.yes }, runner, print);
        break;
      }
      case 'cache':
        cacheCommand(rest[0] ?? 'list', values.cache, print);
        break;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${HELP}`);
    }
    return 0;
  } catch (e) {
    const err = e instanceof OkomeError ? e : new InternalError(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.stderr.write(`${err.render()}\n`);
    return err.exitCode;
  }
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => { process.stderr.write(`${String(e)}\n`); process.exit(70); });
}
