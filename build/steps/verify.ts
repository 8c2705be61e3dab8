// verify: static checks of the finished image file, read without mounting it. The same checks
// back `okome-image verify <img>`; test:image asserts more.
import type { BuildContext } from '../pipeline/context.ts';
import { UserFacingError } from '../ui/errors.ts';
import { imagePath } from './assemble.ts';
import { checkImage } from '../infra/checkimage.ts';

export async function verifyStep(ctx: BuildContext): Promise<string> {
  const results = await checkImage(imagePath(ctx), { hostname: ctx.plan.hostname });
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    throw new UserFacingError(
      `the image failed ${failed.length} of ${results.length} static checks:\n${failed.map((f) => `  ! ${f.name}: ${f.detail}`).join('\n')}`,
      'see the rootfs and assemble logs in out/<role>/logs/',
    );
  }
  return `${results.length}/${results.length} static checks passed`;
}
