import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, bundle } from './bundle.js';

let dist: Awaited<ReturnType<typeof buildDist>>;
beforeAll(async () => {
  dist = await buildDist();
}, 120_000);
afterAll(() => dist?.cleanup());

const external = ['@tensorflow/tfjs-core'];

describe('bundles of the built package (esbuild, tfjs-core external)', () => {
  it('withSchedule alone does not pull in @tensorflow/tfjs-layers', async () => {
    const out = await bundle(
      "import { withSchedule } from './index.js'; console.log(withSchedule);",
      dist.dir,
      { external },
    );
    expect(out.inputs.filter((i) => i.includes('tfjs-layers'))).toEqual([]);
    console.info(`withSchedule: ${out.code.length} B min, ${out.gzip} B gzip`);
  });

  it('the callbacks come from @burnin/tfjs-adapter/callbacks (with tfjs-layers)', async () => {
    const out = await bundle(
      "import { reduceLROnPlateau } from './callbacks.js'; console.log(reduceLROnPlateau);",
      dist.dir,
      { external: [...external, '@tensorflow/tfjs-layers'] },
    );
    expect(Object.values(out.metafile.outputs)[0]?.imports.map((i) => i.path)).toContain(
      '@tensorflow/tfjs-layers',
    );
    const main = await import('../src/index.js');
    for (const name of ['learningRateLogger', 'learningRateScheduler', 'reduceLROnPlateau']) {
      expect(name in main).toBe(false);
    }
  });
});
