import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  learningRateLogger,
  learningRateScheduler,
  type ReduceLROnPlateau,
  reduceLROnPlateau,
} from '../src/callbacks.js';
import { AdapterOptionError, getLearningRate, withSchedule } from '../src/index.js';
import { expectClose, OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** y = k * x, 1x1 kernel from 0, loss mean(y) with x = 1: gradient 1 per batch. */
function tinyModel(optimizer: tf.Optimizer): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' }),
    ],
  });
  model.compile({ optimizer, loss: (_t: tf.Tensor, yPred: tf.Tensor) => tf.mean(yPred) });
  return model;
}

const kernelOf = (m: tfl.LayersModel) => (m.layers[0].getWeights()[0] as tf.Tensor).dataSync()[0];

async function fitTiny(
  model: tfl.LayersModel,
  samples: number,
  epochs: number,
  callbacks: tfl.Callback[],
  extra: Partial<tfl.ModelFitArgs> = {},
) {
  const x = tf.ones([samples, 1]);
  const y = tf.zeros([samples, 1]);
  const kernels: number[] = [];
  const rec = new (class extends tfl.Callback {
    override async onBatchEnd() {
      kernels.push(kernelOf(model));
    }
  })();
  const history = await model.fit(x, y, {
    batchSize: 1,
    epochs,
    shuffle: false,
    verbose: 0,
    callbacks: [...callbacks, rec],
    ...extra,
  });
  tf.dispose([x, y]);
  return { history, kernels };
}

describe('learningRateScheduler', () => {
  it("per: 'batch' — SGD batch k moves the kernel by exactly -schedule(k)", async () => {
    const model = tinyModel(tf.train.sgd(5));
    const cb = learningRateScheduler(schedule, { per: 'batch' });
    const { kernels } = await fitTiny(model, 3, 3, [cb]);
    let expected = 0;
    for (let k = 0; k < 9; k++) {
      expected = Math.fround(expected + Math.fround(-schedule(k)));
      expect(kernels[k]).toBe(expected);
    }
    expect(cb.step).toBe(9);
    model.dispose();
  });

  it("per: 'epoch' — every batch of epoch e uses schedule(e), initialEpoch honoured", async () => {
    const model = tinyModel(tf.train.sgd(5));
    const { kernels } = await fitTiny(model, 2, 4, [learningRateScheduler(schedule)], {
      initialEpoch: 1,
    });
    let expected = 0;
    let i = 0;
    for (let e = 1; e < 4; e++) {
      for (let b = 0; b < 2; b++) {
        expected = Math.fround(expected + Math.fround(-schedule(e)));
        expect(kernels[i++]).toBe(expected);
      }
    }
    model.dispose();
  });

  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: sets the rate the optimizer uses`, async () => {
      const opt = make(3);
      const model = tinyModel(opt);
      await fitTiny(model, 2, 1, [learningRateScheduler((k) => 0.25 + k, { per: 'batch' })]);
      expect(getLearningRate(opt)).toBe(1.25);
      model.dispose();
    });
  }

  it('rejects bad options and a ScheduledOptimizer model', async () => {
    expect(() => learningRateScheduler(schedule, { per: 'step' as never })).toThrow(
      AdapterOptionError,
    );
    expect(() => learningRateScheduler(schedule, { initialStep: -1 })).toThrow(/initialStep/);
    const model = tinyModel(withSchedule(tf.train.sgd(1), schedule));
    await expect(fitTiny(model, 1, 1, [learningRateScheduler(schedule)])).rejects.toThrow(
      /model\.optimizer/,
    );
    model.dispose();
  });
});

describe('learningRateLogger', () => {
  it('records the rate of each epoch into History (plain optimizer + scheduler)', async () => {
    const model = tinyModel(tf.train.adam(1));
    const { history } = await fitTiny(model, 3, 4, [
      learningRateLogger(),
      learningRateScheduler(schedule, { per: 'batch' }),
    ]);
    expect(history.history.lr).toEqual([2, 5, 8, 11].map((k) => schedule(k)));
    model.dispose();
  });

  it('records lastLearningRate of a ScheduledOptimizer, per batch too', async () => {
    const model = tinyModel(withSchedule(tf.train.rmsprop(1), schedule, { initialStep: 4 }));
    const batchLr: number[] = [];
    const spy = new (class extends tfl.Callback {
      override async onBatchEnd(_b: number, logs?: tfl.Logs) {
        batchLr.push(logs?.myLr as number);
      }
    })();
    const { history } = await fitTiny(model, 2, 2, [
      learningRateLogger({ key: 'myLr', perBatch: true }),
      spy,
    ]);
    expect(history.history.myLr).toEqual([schedule(5), schedule(7)]);
    expect(batchLr).toEqual([4, 5, 6, 7].map((k) => schedule(k)));
    model.dispose();
  });
});

describe('reduceLROnPlateau (PyTorch ReduceLROnPlateau semantics)', () => {
  /** Drives the callback with a metric sequence; returns the rate after each epoch. */
  async function run(
    values: number[],
    options: ConstructorParameters<typeof ReduceLROnPlateau>[0],
  ) {
    const opt = tf.train.sgd(1);
    const model = tinyModel(opt);
    const cb = reduceLROnPlateau({ monitor: 'metric', ...options });
    cb.setModel(model);
    await cb.onTrainBegin();
    const lrs: number[] = [];
    for (let e = 0; e < values.length; e++) {
      await cb.onEpochEnd(e, { metric: values[e] });
      lrs.push(getLearningRate(opt));
    }
    model.dispose();
    return { lrs, cb };
  }

  const torch = JSON.parse(
    readFileSync(new URL('./fixtures/torch-reduce-lr-on-plateau.json', import.meta.url), 'utf8'),
  ) as {
    cases: {
      name: string;
      lr: number;
      options: Record<string, unknown>;
      metrics: number[];
      targets: number[];
    }[];
  };
  for (const c of torch.cases) {
    it(`matches PyTorch's test vectors: ${c.name}`, async () => {
      const opt = tf.train.sgd(c.lr);
      const model = tinyModel(opt);
      const cb = reduceLROnPlateau({ monitor: 'metric', ...c.options });
      cb.setModel(model);
      await cb.onTrainBegin();
      for (let e = 0; e < c.metrics.length; e++) {
        await cb.onEpochEnd(e, { metric: c.metrics[e] });
        expect(Math.abs(getLearningRate(opt) - c.targets[e])).toBeLessThanOrEqual(1e-5);
      }
      model.dispose();
    });
  }

  it('patience 2: reduces at the end of the third epoch without improvement', async () => {
    // best 10, then 9 (better), then four epochs at 9: bad 1, 2, 3 > 2 -> reduce, bad 1.
    const { lrs, cb } = await run([10, 9, 9, 9, 9, 9, 9, 8], { patience: 2, factor: 0.5 });
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    expect(cb.reductions).toEqual([4]);
  });

  it('cooldown 2, patience 0: bad epochs during cooldown are ignored', async () => {
    const { cb } = await run([5, 5, 5, 5, 5, 5, 5, 5], { patience: 0, cooldown: 2 });
    expect(cb.reductions).toEqual([1, 4, 7]);
  });

  it('minLr bounds the rate; reductions smaller than eps are skipped', async () => {
    const { lrs } = await run([1, 1, 1, 1, 1], { patience: 0, factor: 0.1, minLr: 0.05 });
    expect(lrs[0]).toBe(1);
    expectClose(lrs[1], 0.1);
    expect(lrs.slice(2)).toEqual([0.05, 0.05, 0.05]);
  });

  it("mode 'max' with an absolute threshold", async () => {
    // best 0.5; 0.55 !> 0.6 (bad 1); 0.65 > 0.6 (best); 0.7 !> 0.75 (bad 1); 0.71 (bad 2 > 1).
    const { cb } = await run([0.5, 0.55, 0.65, 0.7, 0.71], {
      mode: 'max',
      threshold: 0.1,
      thresholdMode: 'abs',
      patience: 1,
    });
    expect(cb.reductions).toEqual([4]);
  });

  it("relative threshold in 'min' mode and 'auto' mode for accuracy", async () => {
    // 100 -> 99.995 is not < 100 * (1 - 1e-4) = 99.99: a bad epoch.
    const { cb } = await run([100, 99.995, 99.98], { patience: 0 });
    expect(cb.reductions).toEqual([1]);
    expect(cb.best).toBe(99.98);
    expect(reduceLROnPlateau({ monitor: 'val_acc' }).mode).toBe('max');
    expect(reduceLROnPlateau().mode).toBe('min');
  });

  it('works inside model.fit on val_loss and rejects a missing monitor', async () => {
    const opt = tf.train.sgd(0.01);
    const model = tinyModel(opt);
    // mean(y) keeps falling as the kernel decreases, so use 'max' to force reductions.
    const cb = reduceLROnPlateau({ mode: 'max', patience: 0, factor: 0.5 });
    await fitTiny(model, 4, 3, [cb], { validationSplit: 0.5 });
    expect(cb.reductions).toEqual([1, 2]);
    expectClose(getLearningRate(opt), 0.0025);
    await expect(fitTiny(model, 2, 1, [reduceLROnPlateau()])).rejects.toThrow(/val_loss/);
    model.dispose();
  });

  it('rejects bad options', () => {
    for (const [opts, option] of [
      [{ factor: 1 }, 'factor'],
      [{ factor: 0 }, 'factor'],
      [{ patience: -1 }, 'patience'],
      [{ patience: 1.5 }, 'patience'],
      [{ threshold: -1 }, 'threshold'],
      [{ thresholdMode: 'x' }, 'thresholdMode'],
      [{ mode: 'up' }, 'mode'],
      [{ cooldown: -2 }, 'cooldown'],
      [{ minLr: Number.NaN }, 'minLr'],
    ] as const) {
      let err: unknown;
      try {
        reduceLROnPlateau(opts as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AdapterOptionError);
      expect((err as AdapterOptionError).option).toBe(option);
    }
  });
});

describe('callbacks do not leak tensors', () => {
  /** numTensors at batch 10 and batch 1,000 of a fit with the given callbacks. */
  async function counts(
    make: () => tf.Optimizer,
    samples: number,
    epochs: number,
    callbacks: tfl.Callback[],
  ): Promise<[number, number]> {
    const model = tinyModel(make());
    let batches = 0;
    let at10 = 0;
    let at1000 = 0;
    const probe = new (class extends tfl.Callback {
      override async onBatchEnd() {
        batches += 1;
        if (batches === 10) at10 = tf.memory().numTensors;
        if (batches === 1000) at1000 = tf.memory().numTensors;
      }
    })();
    const x = tf.ones([samples, 1]);
    const y = tf.zeros([samples, 1]);
    await model.fit(x, y, {
      batchSize: 1,
      epochs,
      shuffle: false,
      verbose: 0,
      callbacks: [...callbacks, probe],
    });
    expect(batches).toBe(1000);
    tf.dispose([x, y]);
    model.dispose();
    return [at10, at1000];
  }

  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: per-batch scheduler and logger, one epoch of 1,000 batches`, async () => {
      const [at10, at1000] = await counts(() => make(0.01), 1000, 1, [
        learningRateScheduler(schedule, { per: 'batch' }),
        learningRateLogger({ perBatch: true }),
      ]);
      expect(at1000).toBe(at10);
    });
  }

  it('per-epoch callbacks over 1,000 epochs add nothing to what tfjs-layers itself keeps', async () => {
    // tfjs-layers' History keeps one loss scalar per epoch until fit ends: measure that
    // baseline without our callbacks, then require the same growth with them.
    const make = () => tf.train.momentum(0.01, 0.9);
    const [b10, b1000] = await counts(make, 1, 1000, []);
    const [at10, at1000] = await counts(make, 1, 1000, [
      learningRateScheduler(schedule),
      reduceLROnPlateau({ monitor: 'loss', patience: 0, mode: 'max', minLr: 1e-6 }),
      learningRateLogger(),
    ]);
    expect(at1000 - at10).toBe(b1000 - b10);
  });
});
