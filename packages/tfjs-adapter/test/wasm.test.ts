import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { learningRateLogger, learningRateScheduler, reduceLROnPlateau } from '../src/callbacks.js';
import { disposeOptimizerWeights, withSchedule } from '../src/index.js';
import { expectClose, freshVariable, OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  expect(tf.getBackend()).toBe('wasm');
});

/** Per-step displacement of w (reset to 0 before each step) under f(w) = sum(w). */
function displacements(opt: tf.Optimizer, steps: number): number[] {
  const w = freshVariable([0, 0]);
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => w.assign(tf.zerosLike(w)));
    opt.minimize(() => tf.sum(w) as tf.Scalar);
    out.push(w.dataSync()[0]);
  }
  w.dispose();
  return out;
}

/** A small dense model (wasm lacks some conv gradient kernels). */
function denseModel(optimizer: tf.Optimizer): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 8,
        inputShape: [4],
        activation: 'relu',
        kernelInitializer: 'ones',
      }),
      tfl.layers.dense({ units: 1, kernelInitializer: 'ones' }),
    ],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

describe('wasm backend', () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: the rate used at step k is schedule(k)`, () => {
      const unit = make(1);
      const base = displacements(unit, 10);
      unit.dispose();
      const opt = withSchedule(make(9), schedule, { clipNorm: 100 });
      const moves = displacements(opt, 10);
      for (let k = 0; k < 10; k++) expectClose(moves[k] / base[k], schedule(k));
      opt.dispose();
    });

    it(`${name}: numTensors equal after step 10 and step 1,000, with clipping`, () => {
      const w = freshVariable([0.5, -1, 2]);
      const opt = withSchedule(make(0.01), schedule, { clipNorm: 0.5 });
      let at10 = 0;
      for (let k = 1; k <= 1000; k++) {
        opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
        if (k === 10) at10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(at10);
      expect(Number.isFinite(opt.lastGradientNorm)).toBe(true);
      opt.dispose();
      w.dispose();
    });
  }

  it('model.fit of a dense model: save, reload, continue equals an uninterrupted run', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, -1, 0.5, 2, 1, 0, 1, -2, 3], [3, 4]);
    const y = tf.tensor2d([1, -1, 0.5], [3, 1]);
    const fitArgs = { batchSize: 1, shuffle: false, verbose: 0 } as const;
    const make = () => withSchedule(tf.train.adam(0.1), schedule, { momentum: () => 0.85 });

    const a = denseModel(make());
    const h = await a.fit(x, y, { ...fitArgs, epochs: 4, callbacks: [learningRateLogger()] });
    const full = a.getWeights().map((t) => Array.from(t.dataSync()));

    const b = denseModel(make());
    const h1 = await b.fit(x, y, { ...fitArgs, epochs: 2, callbacks: [learningRateLogger()] });
    const modelWeights = b.getWeights().map((t) => t.clone());
    const bOpt = b.optimizer as ReturnType<typeof make>;
    const optWeights = await bOpt.getWeights();
    const encoded = await tf.io.encodeWeights(optWeights);
    disposeOptimizerWeights(optWeights);
    bOpt.dispose();
    b.dispose();

    const c = denseModel(make());
    c.setWeights(modelWeights);
    const decoded = tf.io.decodeWeights(encoded.data, encoded.specs);
    await (c.optimizer as ReturnType<typeof make>).setWeights(
      encoded.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] })),
    );
    tf.dispose([...modelWeights, ...Object.values(decoded)]);
    const h2 = await c.fit(x, y, {
      ...fitArgs,
      epochs: 4,
      initialEpoch: 2,
      callbacks: [learningRateLogger()],
    });
    expect([...h1.history.lr, ...h2.history.lr]).toEqual(h.history.lr);
    expect(c.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(full);
    tf.dispose([x, y]);
    a.dispose();
    c.dispose();
  });

  it('callbacks inside model.fit keep numTensors flat over 1,000 batches', async () => {
    const model = denseModel(tf.train.sgd(0.001));
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
    const x = tf.randomUniform([1000, 4]);
    const y = tf.randomUniform([1000, 1]);
    await model.fit(x, y, {
      batchSize: 1,
      epochs: 1,
      verbose: 0,
      callbacks: [
        learningRateScheduler((k) => 0.001 / (1 + k), { per: 'batch' }),
        reduceLROnPlateau({ monitor: 'loss' }),
        learningRateLogger({ perBatch: true }),
        probe,
      ],
    });
    expect(batches).toBe(1000);
    expect(at1000).toBe(at10);
    tf.dispose([x, y]);
    model.dispose();
  });
});
