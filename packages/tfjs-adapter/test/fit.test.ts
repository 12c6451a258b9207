import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSchedule } from '../src/index.js';
import { expectClose, OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** y = k * x with a 1x1 kernel, trained on loss mean(y) with x = 1: the gradient is always 1. */
function tinyModel(optimizer: tf.Optimizer): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' }),
    ],
  });
  model.compile({ optimizer, loss: (_yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(yPred) });
  return model;
}

/** Kernel displacement of every batch of a `fit` (the kernel is reset to 0 before each). */
async function fitDisplacements(optimizer: tf.Optimizer, batches: number): Promise<number[]> {
  const model = tinyModel(optimizer);
  const kernel = model.layers[0].getWeights()[0] as unknown as tf.Variable;
  const moves: number[] = [];
  const x = tf.ones([batches, 1]);
  const y = tf.zeros([batches, 1]);
  await model.fit(x, y, {
    batchSize: 1,
    epochs: 1,
    shuffle: false,
    verbose: 0,
    callbacks: {
      onBatchBegin: () => {
        model.layers[0].setWeights([tf.zeros([1, 1])]);
      },
      onBatchEnd: () => {
        moves.push((model.layers[0].getWeights()[0] as tf.Tensor).dataSync()[0]);
      },
    },
  });
  void kernel;
  tf.dispose([x, y]);
  model.dispose();
  return moves;
}

describe('withSchedule inside model.fit', () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: batch k uses schedule(k)`, async () => {
      const base = await fitDisplacements(make(1), 8);
      const opt = withSchedule(make(42), schedule);
      const moves = await fitDisplacements(opt, 8);
      expect(moves).toHaveLength(8);
      for (let k = 0; k < 8; k++) expectClose(moves[k] / base[k], schedule(k));
      expect(opt.step).toBe(8);
    });
  }

  it('SGD: kernel moves by exactly -schedule(k) per batch over two epochs', async () => {
    const opt = withSchedule(tf.train.sgd(9), schedule, { initialStep: 1 });
    const model = tinyModel(opt);
    const x = tf.ones([4, 1]);
    const y = tf.zeros([4, 1]);
    const kernels: number[] = [];
    await model.fit(x, y, {
      batchSize: 1,
      epochs: 2,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchEnd: () => {
          kernels.push((model.layers[0].getWeights()[0] as tf.Tensor).dataSync()[0]);
        },
      },
    });
    let expected = 0;
    for (let k = 0; k < 8; k++) {
      expected = Math.fround(expected + Math.fround(-schedule(k + 1)));
      expect(kernels[k]).toBe(expected);
    }
    expect(opt.step).toBe(9);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('clipNorm and lastGradientNorm inside model.fit', async () => {
    const opt = withSchedule(tf.train.sgd(1), schedule, { clipNorm: 0.25 });
    const model = tinyModel(opt);
    const x = tf.ones([3, 1]);
    const y = tf.zeros([3, 1]);
    const norms: number[] = [];
    const kernels: number[] = [];
    await model.fit(x, y, {
      batchSize: 1,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchEnd: () => {
          norms.push(opt.lastGradientNorm);
          kernels.push((model.layers[0].getWeights()[0] as tf.Tensor).dataSync()[0]);
        },
      },
    });
    // The gradient is 1 (norm 1 > 0.25), so each step moves by -schedule(k) * 0.25.
    expect(norms).toEqual([1, 1, 1]);
    let expected = 0;
    for (let k = 0; k < 3; k++) {
      expected -= schedule(k) * 0.25;
      expectClose(kernels[k], expected);
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});
