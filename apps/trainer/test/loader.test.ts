import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, type TrainConfig, validateConfig } from '../src/config.js';
import { createBatchLoader, liveLoaderCount } from '../src/train/loader.js';
import { type PreparedBatch, prepareBatch } from '../src/train/parallel.js';
import { batchAt, datasetsFromConfig } from '../src/train/train.js';

function smoke(): TrainConfig {
  return validateConfig(resolveConfig({ preset: 'smoke' }));
}

/** The batch of `step` made on this thread, as train() makes it without a loader. */
function inline(cfg: TrainConfig, T: number): (step: number) => PreparedBatch {
  const ds = datasetsFromConfig(cfg);
  const B = cfg.train.batchSize;
  return (step) =>
    prepareBatch(
      batchAt(ds.train, cfg.seed, step * B, B, cfg.data.augment),
      cfg.data.imageSize,
      ds.train.classNames.length,
      T,
    );
}

/** Plain structure of a batch (typed arrays as number arrays) for deep comparison. */
function plain(b: PreparedBatch): unknown {
  return JSON.parse(
    JSON.stringify(b, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)),
  );
}

describe('data-loader thread', () => {
  it('makes batches equal to the inline ones, ahead of the caller, and stops', async () => {
    const cfg = smoke();
    const make = inline(cfg, 2);
    let inlineCalls = 0;
    const loader = createBatchLoader({ config: cfg, numClasses: 3, threads: 2 }, 12, (s) => {
      inlineCalls++;
      return make(s);
    });
    expect(liveLoaderCount()).toBe(1);
    expect(await loader.get(0)).toBeDefined(); // made inline: the thread is still starting
    expect(await loader.whenReady()).toBe(true);
    const got: PreparedBatch[] = [];
    for (let s = 0; s < 12; s++) {
      got.push(await loader.get(s));
      // let the loader thread answer before the next step, as compute would
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let s = 0; s < 12; s++) expect(plain(got[s])).toEqual(plain(make(s)));
    expect(loader.active).toBe(true);
    // after the thread was ready only the first asked step was made inline (then ahead)
    expect(inlineCalls).toBeLessThanOrEqual(2);
    await loader.dispose();
    expect(liveLoaderCount()).toBe(0);
  });

  it('falls back to the calling thread when the thread cannot load the data', async () => {
    const cfg = smoke();
    const make = inline(cfg, 2);
    // the thread's dataset load fails (COCO without files); batches still come, identical
    const broken = { ...cfg, data: { ...cfg.data, kind: 'coco' } } as TrainConfig;
    const loader = createBatchLoader({ config: broken, numClasses: 3, threads: 2 }, 6, make);
    expect(await loader.whenReady()).toBe(false);
    const got: PreparedBatch[] = [];
    for (let s = 0; s < 6; s++) {
      got.push(await loader.get(s));
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let s = 0; s < 6; s++) expect(plain(got[s])).toEqual(plain(make(s)));
    expect(loader.active).toBe(false);
    await loader.dispose();
    expect(liveLoaderCount()).toBe(0);
  });
});

afterAll(() => {
  expect(liveLoaderCount()).toBe(0);
});
