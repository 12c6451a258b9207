import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { learningRateLogger, learningRateScheduler, reduceLROnPlateau } from '../src/callbacks.js';
import { getLearningRate, withSchedule } from '../src/index.js';
import { schedule, thrown } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('unknown options are errors that name the key, list the options and hint', () => {
  it('withSchedule: Keras clipnorm -> clipNorm', () => {
    const opt = tf.train.sgd(0.1);
    const e = thrown(() => withSchedule(opt, schedule, { clipnorm: 1 } as never));
    expect(e.option).toBe('clipnorm');
    expect(e.message).toBe(
      'withSchedule: unknown option "clipnorm" (did you mean clipNorm?); the options are initialStep, clipNorm, trackGradientNorm, momentum, fused',
    );
    expect(thrown(() => withSchedule(opt, schedule, { initial_step: 3 } as never)).message).toMatch(
      /did you mean initialStep\?/,
    );
    expect(thrown(() => withSchedule(opt, schedule, { clipvalue: 1 } as never)).message).toMatch(
      /clipvalue.*not supported/,
    );
    const t = tf.scalar(1);
    expect(thrown(() => withSchedule(opt, schedule, t as never)).message).toMatch(
      /options argument must be a plain object.*Tensor/,
    );
    t.dispose();
    opt.dispose();
  });

  it('reduceLROnPlateau: min_delta / min_lr / verbose', () => {
    expect(thrown(() => reduceLROnPlateau({ min_delta: 0.01 } as never)).message).toMatch(
      /unknown option "min_delta" \(did you mean minDelta\?\); the options are monitor, mode, factor, patience, threshold, thresholdMode, minDelta, cooldown, minLr, eps/,
    );
    expect(thrown(() => reduceLROnPlateau({ min_lr: 0.01 } as never)).option).toBe('min_lr');
    expect(thrown(() => reduceLROnPlateau({ verbose: 1 } as never)).message).toMatch(
      /"verbose" \(not supported\)/,
    );
  });

  it('learningRateScheduler and learningRateLogger', () => {
    expect(
      thrown(() => learningRateScheduler(schedule, { initial_step: 1 } as never)).message,
    ).toMatch(/did you mean initialStep\?.*the options are per, initialStep/);
    expect(thrown(() => learningRateLogger({ per_batch: true } as never)).message).toMatch(
      /did you mean perBatch\?/,
    );
  });
});

function tinyModel(optimizer: tf.Optimizer): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' }),
    ],
  });
  model.compile({ optimizer, loss: (_t: tf.Tensor, yPred: tf.Tensor) => tf.mean(yPred) });
  return model;
}

describe('learningRateScheduler((epoch, lr) => ...) as in Keras', () => {
  it('passes the current rate as the second argument', async () => {
    const opt = tf.train.sgd(0.5);
    const model = tinyModel(opt);
    const seen: [number, number][] = [];
    const cb = learningRateScheduler((epoch, lr) => {
      seen.push([epoch, lr]);
      return epoch < 1 ? lr : lr * 0.5;
    });
    const x = tf.ones([2, 1]);
    const y = tf.zeros([2, 1]);
    await model.fit(x, y, { epochs: 3, batchSize: 1, verbose: 0, callbacks: [cb] });
    expect(seen).toEqual([
      [0, 0.5],
      [1, 0.5],
      [2, 0.25],
    ]);
    expect(getLearningRate(opt)).toBe(0.125);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe("reduceLROnPlateau minDelta (Keras min_delta = torch threshold, thresholdMode 'abs')", () => {
  async function run(values: number[], options: Parameters<typeof reduceLROnPlateau>[0]) {
    const opt = tf.train.sgd(1);
    const model = tinyModel(opt);
    const cb = reduceLROnPlateau({ monitor: 'metric', ...options });
    cb.setModel(model);
    await cb.onTrainBegin();
    for (let e = 0; e < values.length; e++) await cb.onEpochEnd(e, { metric: values[e] });
    model.dispose();
    return cb;
  }

  it('min mode: improvement means value < best - minDelta; max mode mirrored', async () => {
    const cb = await run([1, 0.95, 0.85, 0.84], { minDelta: 0.1, patience: 0, factor: 0.5 });
    expect(cb.threshold).toBe(0.1);
    expect(cb.thresholdMode).toBe('abs');
    // 0.95 is not < 1 - 0.1 (bad, reduce); 0.85 < 0.9 (better); 0.84 not < 0.75 (bad, reduce).
    expect(cb.reductions).toEqual([1, 3]);
    expect(cb.best).toBe(0.85);
    const max = await run([0.5, 0.55, 0.65], { minDelta: 0.1, mode: 'max', patience: 0 });
    expect(max.reductions).toEqual([1]);
    const same = await run([1, 0.95, 0.85, 0.84], {
      threshold: 0.1,
      thresholdMode: 'abs',
      patience: 0,
      factor: 0.5,
    });
    expect(same.reductions).toEqual(cb.reductions);
  });

  it('minDelta with threshold or thresholdMode, or negative, is an error', () => {
    expect(thrown(() => reduceLROnPlateau({ minDelta: 0.1, threshold: 0.1 })).option).toBe(
      'threshold',
    );
    expect(
      thrown(() => reduceLROnPlateau({ minDelta: 0.1, thresholdMode: 'rel' })).message,
    ).toMatch(/either minDelta \(Keras\) or threshold\/thresholdMode \(PyTorch\)/);
    expect(thrown(() => reduceLROnPlateau({ minDelta: -1 })).option).toBe('minDelta');
  });
});
