import { disposeOptimizerWeights } from '@burnin/tfjs-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { buildSchedule, resolveConfig, type TrainConfig, validateConfig } from '../src/config.js';
import { batchAt, datasetsFromConfig } from '../src/data/batches.js';
import * as tf from '../src/tf.js';
import { createGradientStepper, liveWorkerCount, prepareBatch } from '../src/train/parallel.js';
import { optimizerFromConfig } from '../src/train/setup.js';
import { paramOffsets, updateOwners } from '../src/train/shard.js';
import { trainStep } from '../src/train/step.js';
import { modelFromConfig } from '../src/train/train.js';

describe('updateOwners', () => {
  const sizes = [432, 16, 4608, 32, 13824, 48, 20736, 48, 20736, 48, 1536, 32, 96, 3];
  const total = sizes.reduce((a, n) => a + n, 0);
  it.each([1, 2, 3, 4, 7])(
    'T=%i: consecutive ranges covering every variable once, near-equal shares',
    (T) => {
      const owners = updateOwners(sizes, T);
      expect(owners).toHaveLength(T);
      expect(owners[0][0]).toBe(0);
      expect(owners[T - 1][1]).toBe(sizes.length);
      for (let t = 1; t < T; t++) expect(owners[t][0]).toBe(owners[t - 1][1]);
      // each cut is within half the variable at the cut of the ideal one
      let sum = 0;
      for (let t = 0; t < T - 1; t++) {
        for (let i = owners[t][0]; i < owners[t][1]; i++) sum += sizes[i];
        const ideal = (total * (t + 1)) / T;
        const at = owners[t][1];
        const around = Math.max(sizes[at - 1] ?? 0, sizes[at] ?? 0);
        expect(Math.abs(sum - ideal)).toBeLessThanOrEqual(around / 2 + 1e-9);
      }
    },
  );
  it('paramOffsets: each variable starts where the one before ends; the total last', () => {
    const at = paramOffsets(sizes);
    expect(at).toHaveLength(sizes.length + 1);
    expect(at[0]).toBe(0);
    sizes.forEach((n, i) => {
      expect(at[i + 1] - at[i]).toBe(n);
    });
    expect(at[sizes.length]).toBe(total);
    expect(paramOffsets([])).toEqual([0]);
  });
  it('more threads than variables: the last ones update nothing', () => {
    const owners = updateOwners([10, 10], 4);
    expect(owners.map(([a, b]) => b - a).reduce((a, n) => a + n, 0)).toBe(2);
    expect(owners[0]).toEqual([0, 1]);
    expect(owners[3][1]).toBe(2);
    for (const [a, b] of owners) expect(b).toBeGreaterThanOrEqual(a);
  });
});

/** The bytes of the model's weights and of the optimizer's whole state, by name. */
async function stateBytes(
  model: ReturnType<typeof modelFromConfig>,
  optimizer: ReturnType<typeof optimizerFromConfig>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of model.variables)
    out.set(v.name, Buffer.from(v.dataSync().buffer).toString('hex'));
  const ws = await optimizer.getWeights();
  for (const w of ws)
    out.set(`opt:${w.name}`, Buffer.from(w.tensor.dataSync().buffer).toString('hex'));
  disposeOptimizerWeights(ws);
  return out;
}

/**
 * `steps` training steps at T threads with the update sharded or on the main thread alone:
 * the final weights and optimizer state (with a slot sync half way, as a checkpoint does).
 */
async function run(cfg: TrainConfig, T: number, sharded: boolean, steps: number) {
  const ds = datasetsFromConfig(cfg);
  const K = ds.train.classNames.length;
  const B = cfg.train.batchSize;
  const model = modelFromConfig(cfg, K);
  const optimizer = optimizerFromConfig(cfg, buildSchedule(cfg));
  const stepper = await createGradientStepper({
    cfg,
    model,
    optimizer,
    numClasses: K,
    threads: T,
    shardedUpdate: sharded,
  });
  const tensorsAt: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const batch = prepareBatch(
        batchAt(ds.train, cfg.seed, s * B, B, true),
        cfg.data.imageSize,
        K,
        T,
      );
      const out = await trainStep({ model, optimizer, stepper }, batch, s, { check: s % 3 === 2 });
      expect(out.status).toBe('ok');
      if (s === 2) await stepper.syncOptimizer();
      tensorsAt.push(tf.memory().numTensors);
    }
    await stepper.syncOptimizer();
    return { sharded: stepper.sharded, state: await stateBytes(model, optimizer), tensorsAt };
  } finally {
    await stepper.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

function smoke(extra: Partial<TrainConfig['train']> = {}): TrainConfig {
  const base = resolveConfig({ preset: 'smoke' });
  return validateConfig({ ...base, train: { ...base.train, ...extra } });
}

describe.each(['wasm', 'cpu'])('the sharded update on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, () => {});
  });
  afterAll(async () => {
    await selectBackend('wasm', () => {});
  });

  it.each([
    [2, 'adam'],
    [3, 'adam'],
    [2, 'momentum'],
  ] as const)(
    'T=%i, %s: the same weights and optimizer state as the main thread updating all, bit for bit',
    async (T, optimizer) => {
      const cfg = smoke({ optimizer });
      const before = tf.memory().numTensors;
      const a = await run(cfg, T, false, 6);
      const b = await run(cfg, T, true, 6);
      expect(a.sharded).toBe(false);
      expect(b.sharded).toBe(true);
      expect([...b.state.keys()]).toEqual([...a.state.keys()]);
      for (const [name, bytes] of a.state) expect(b.state.get(name), name).toBe(bytes);
      // (unsynced, the workers' variables' slots here would still be zeros: they differ)
      // no tensor accumulates step after step, none outlives the run, no worker either
      expect(new Set(b.tensorsAt.slice(1)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      expect(liveWorkerCount()).toBe(0);
    },
  );
});

describe('the sharded update protocol', () => {
  it('is off with gradient clipping; a second compute() before afterUpdate() is refused', async () => {
    await selectBackend('wasm', () => {});
    const clipped = smoke({ clipNorm: 1 });
    const ds = datasetsFromConfig(clipped);
    const K = ds.train.classNames.length;
    const model = modelFromConfig(clipped, K);
    const opt = optimizerFromConfig(clipped, buildSchedule(clipped));
    const off = await createGradientStepper({
      cfg: clipped,
      model,
      optimizer: opt,
      numClasses: K,
      threads: 2,
      shardedUpdate: true,
    });
    expect(off.sharded).toBe(false);
    await off.dispose();
    opt.dispose();
    const cfg = smoke();
    const opt2 = optimizerFromConfig(cfg, buildSchedule(cfg));
    const on = await createGradientStepper({
      cfg,
      model,
      optimizer: opt2,
      numClasses: K,
      threads: 2,
      shardedUpdate: true,
    });
    try {
      expect(on.sharded).toBe(true);
      const batch = prepareBatch(batchAt(ds.train, cfg.seed, 0, 4, true), cfg.data.imageSize, K, 2);
      const r = await on.compute(batch);
      // the workers' variables are left to them: null here
      const nulls = Object.values(r.grads).filter((g) => g == null).length;
      expect(nulls).toBeGreaterThan(0);
      expect(nulls).toBeLessThan(model.variables.length);
      tf.dispose(Object.values(r.grads).filter((g): g is tf.Tensor => g != null));
      await expect(on.compute(batch)).rejects.toThrow(/sharded update was not finished/);
    } finally {
      await on.dispose();
      model.dispose();
      opt2.dispose();
    }
    expect(liveWorkerCount()).toBe(0);
  });
});
