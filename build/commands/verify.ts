// verify: static checks of an image file (or out/<role>/'s image), printed one per line.
import { existsSync } from 'node:fs';
import { checkImage } from '../infra/checkimage.ts';
import { UserFacingError } from '../ui/errors.ts';

export async function verifyCommand(img: string, hostname: string | undefined, print: (s: string) => void): Promise<void> {
  if (!existsSync(img)) throw new UserFacingError(`${img}: no such image`, 'build it first: npm run build:image -- --role <role>');
  const results = await checkImage(img, { hostname });
  for (const r of results) print(`${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new UserFacingError(`${img}: ${failed.length} of ${results.length} checks failed`);
}
