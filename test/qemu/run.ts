// test:qemu — boot built images in qemu-system-aarch64 -M virt and read the first-boot verdict.
//   --role cn00   boot out/cn00's image (repeatable)
//   --cluster     build and boot the cluster of test/qemu/cluster.config.ts (CN00, CN01, a BACKUP CN02)
//   --all         every role of image.config.ts, then the cluster
// Serial logs stay in out/qemu/<name>/serial.log. Exit status 0 only if everything passed.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { loadConfig } from '../../build/config/load.ts';
import { bootSingle } from './single.ts';
import { REPO } from '../helpers.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { role: { type: 'string', multiple: true, default: [] }, cluster: { type: 'boolean', default: false }, all: { type: 'boolean', default: false } } });
  process.chdir(REPO);
  const config = await loadConfig('image.config.ts');
  const roles = values.all ? Object.keys(config.roles) : values.role;
  const results: { name: string; ok: boolean; detail: string }[] = [];
  for (const role of roles) {
    const image = join('out', role, `okome-${role}.img`);
    const t0 = Date.now();
    try {
      const { verdict } = await bootSingle(config, role, image, join('out', 'qemu', role), REPO);
      console.log(`${role}: ${verdict.line} (power-on to verdict ${verdict.seconds.toFixed(0)} s)`);
      results.push({ name: `boot ${role}`, ok: verdict.result === 'PASS', detail: verdict.line });
    } catch (e) {
      console.log(`${role}: FAILED after ${((Date.now() - t0) / 1000).toFixed(0)} s: ${e instanceof Error ? e.message : String(e)}`);
      results.push({ name: `boot ${role}`, ok: false, detail: String(e) });
    }
  }
  if (values.cluster || values.all) {
    const { runCluster } = await import('./cluster.ts');
    results.push(...(await runCluster(REPO)));
  }
  for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail.split('\n')[0]}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`qemu: ${results.length - failed} passed, ${failed} failed`);
  if (results.length === 0) { console.log('nothing to boot: use --role ROLE, --cluster or --all'); return 2; }
  return failed ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => { console.error(e); process.exit(1); });
