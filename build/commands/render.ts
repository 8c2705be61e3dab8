// render: write out/<role>/pi-gen (the pi-gen config and stage) without building an image.
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { loadConfig } from '../config/load.ts';
import { loadCatalog } from '../infra/catalog.ts';
import { publish, writeTree } from '../infra/fsx.ts';
import { loadSecrets } from '../infra/secrets.ts';
import { planImage } from '../plan/plan.ts';
import { renderRole } from '../render/role.ts';
import { planOptions, selectRoles, type Deps } from './build.ts';

export async function renderCommand(args: { roles: string[] | 'all'; configFile: string; outDir: string; cacheDir: string }, deps: Deps): Promise<void> {
  const config = await loadConfig(args.configFile);
  const catalog = loadCatalog(deps.repoRoot);
  const { secrets } = await loadSecrets(config, deps.runner, join(args.outDir, '.logs', 'secrets.log'));
  for (const role of selectRoles(config, args.roles)) {
    const plan = planImage(config, role, planOptions(args));
    const { files, tree } = renderRole(catalog, config, plan, secrets);
    const tmp = join(plan.artifacts.dir, `.render-${process.pid}`);
    try {
      writeTree(tmp, tree);
      publish(tmp, plan.artifacts.piGenDir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    deps.reporter.info(`${role}: ${files.length} device files -> ${plan.artifacts.piGenDir}/ (pi-gen config + stage-okome)`);
  }
}
