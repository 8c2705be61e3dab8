// The build, top to bottom. Each step is data (name, what it does) plus an executor that carries
// out plan data and decides nothing.
import type { BuildContext } from './context.ts';
import { renderStep } from '../steps/render.ts';
import { baseStep } from '../steps/base.ts';
import { rootfsStep } from '../steps/rootfs.ts';
import { assembleStep } from '../steps/assemble.ts';
import { compressStep } from '../steps/compress.ts';
import { manifestStep } from '../steps/manifest.ts';
import { verifyStep } from '../steps/verify.ts';

export interface Step {
  name: string;
  what: string;
  /** Returns a one-line summary for the progress line. */
  run(ctx: BuildContext): Promise<string | void>;
  skip?(ctx: BuildContext): boolean;
}

export const STEPS: readonly Step[] = [
  { name: 'render', what: 'rendering the overlay and the pi-gen stage', run: renderStep },
  { name: 'base', what: 'bootstrapping the arm64 base (mmdebstrap, kernel, packages)', run: baseStep },
  { name: 'rootfs', what: 'applying the stage to the base', run: rootfsStep },
  { name: 'assemble', what: 'assembling the disk image', run: assembleStep },
  { name: 'compress', what: 'compressing (xz) and mapping (bmap)', run: compressStep, skip: (ctx) => !ctx.options.compress },
  { name: 'manifest', what: 'writing manifest.json', run: manifestStep },
  { name: 'verify', what: 'checking the image file', run: verifyStep },
];
