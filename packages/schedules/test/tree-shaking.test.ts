import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as src from '../src/index.js';
import { buildDist, bundle } from './bundle.js';
import { lastStep, samples } from './samples.js';

let dist: Awaited<ReturnType<typeof buildDist>>;
beforeAll(async () => {
  dist = await buildDist();
}, 120_000);
afterAll(() => dist?.cleanup());

describe('tree-shaking of the built package', () => {
  it('importing one schedule bundles to <= 3 KB gzip (esbuild, minified, from dist)', async () => {
    const out = await bundle(
      "import { exponentialDecayWithBurnin } from './index.js'; console.log(exponentialDecayWithBurnin({ learningRateBase: 0.1, learningRateDecaySteps: 10, learningRateDecayFactor: 0.5 })(3));",
      dist.dir,
    );
    expect(out.gzip).toBeLessThanOrEqual(3072);
    console.info(`one schedule: ${out.code.length} B min, ${out.gzip} B gzip`);
    // Neither the fromJSON registry nor the other namespaces come along.
    expect(out.included.some((i) => /(json|torch|optax|keras|darknet|plot)\.js$/.test(i))).toBe(
      false,
    );
  });

  it('fromJSON of the built package round-trips every registered type', async () => {
    const lib = (await import(pathToFileURL(join(dist.dir, 'index.js')).href)) as typeof src;
    lib.registerLambda('samples.decay', (e) => 0.9 ** e);
    expect(lib.scheduleTypes().sort()).toEqual(src.scheduleTypes().sort());
    const seen = new Set<string>();
    for (const s of samples()) {
      const back = lib.fromJSON(JSON.parse(JSON.stringify(src.toJSON(s))));
      expect(back.spec).toEqual(s.spec);
      for (const step of [0, 1, 7, 50].filter((k) => k <= lastStep(s))) {
        expect(back(step)).toBe(s(step));
      }
      expect(lib.toJSON(back)).toEqual(src.toJSON(s));
      seen.add(s.spec.type);
    }
    expect(lib.scheduleTypes().filter((t) => !seen.has(t))).toEqual([]);
  });
});
