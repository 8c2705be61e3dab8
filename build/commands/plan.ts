// plan: print what a build would do, as JSON (--json) or a short summary. No tool runs.
import { loadConfig } from '../config/load.ts';
import { planImage } from '../plan/plan.ts';
import { planOptions, selectRoles } from './build.ts';

export async function planCommand(args: { roles: string[] | 'all'; configFile: string; json: boolean; outDir: string; cacheDir: string }, print: (s: string) => void): Promise<void> {
  const config = await loadConfig(args.configFile);
  const plans = selectRoles(config, args.roles).map((r) => planImage(config, r, planOptions(args)));
  if (args.json) {
    print(JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2));
    return;
  }
  for (const p of plans) {
    print(`${p.role}: ${p.kind} ${p.hostname} ${p.address} (${p.base} ${p.release} ${p.arch})`);
    print(`  base ${p.baseCacheKey}: ${p.baseRecipe.packages.length} packages`);
    print(`  stage packages: ${p.stagePackages.join(' ')}`);
    print(`  units: enable ${p.units.enable.length}, mask ${p.units.mask.length}`);
    print(`  disk: bootfs ${p.disk.bootSizeMiB} MiB at ${p.disk.bootStartMiB} MiB, rootfs grows at first boot`);
    print(`  out: ${p.artifacts.dir}/${p.artifacts.img}`);
  }
}
