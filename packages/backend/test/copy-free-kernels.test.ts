import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { replacedKernel } from '../src/kernels/fallback.js';

beforeAll(async () => {
  registerTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

const numDataIds = () => tf.engine().backend.numDataIds();

/** Float32 bits of the weights after `steps` Adam steps of a small conv net, seeded. */
function train(steps: number): number[][] {
  const [w1, w2] = tf.tidy(() => [
    tf.variable(tf.randomNormal([3, 3, 3, 8], 0, 0.3, 'float32', 1)),
    tf.variable(tf.randomNormal([3, 3, 8, 4], 0, 0.3, 'float32', 2)),
  ]);
  const x = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = tf.randomUniform([2, 6, 6, 4], 0, 1, 'float32', 4);
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < steps; i++) {
    opt.minimize(() => {
      const h = tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same')) as tf.Tensor4D;
      const o = tf.conv2d(h, w2 as tf.Tensor4D, 2, 'same');
      return tf.losses.meanSquaredError(y, o) as tf.Scalar;
    });
  }
  const out = [w1, w2].map((w) =>
    Array.from(new Uint32Array(new Float32Array(w.dataSync()).buffer)),
  );
  opt.dispose();
  tf.dispose([w1, w2, x, y]);
  return out;
}

describe('copy-free Identity and Cast on wasm', () => {
  it('is ours, and a clone shares the data and outlives its source', () => {
    expect(replacedKernel('Identity', 'wasm')).toBeDefined();
    const before = numDataIds();
    const x = tf.tensor([1.5, -2, 3], [3]);
    const c = tf.clone(x);
    expect(c.dataId).toBe(x.dataId); // shared, not copied
    expect(numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    c.dispose();
    expect(numDataIds()).toBe(before); // freed once both are gone
    const s = tf.clone(tf.tensor(['a', 'b']));
    expect(s.dataSync()).toEqual(['a', 'b']); // strings: the stock kernel
  });

  it('a same-dtype Cast shares the data; real conversions still convert', () => {
    expect(replacedKernel('Cast', 'wasm')).toBeDefined();
    const x = tf.tensor([1.75, -2.5, 0], [3]);
    const same = tf.cast(x, 'float32');
    expect(same.dataId).toBe(x.dataId);
    const i = tf.cast(x, 'int32');
    expect(i.dataId).not.toBe(x.dataId);
    expect(Array.from(i.dataSync())).toEqual([1, -2, 0]);
    const b = tf.cast(tf.tensor([true, false], [2], 'bool'), 'float32');
    expect(Array.from(b.dataSync())).toEqual([1, 0]);
    const before = numDataIds();
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.75, -2.5, 0]);
    tf.dispose([same, i, b]);
    expect(numDataIds()).toBeLessThan(before);
  });

  it('training gives the same bits as with the stock copying kernels, and leaks nothing', () => {
    /** Bits after 5 steps, and the growth of tensors / backend data over a second run. */
    const measure = () => {
      const bits = train(5);
      const tensors = tf.memory().numTensors;
      const ids = numDataIds();
      train(5);
      return { bits, tensors: tf.memory().numTensors - tensors, ids: numDataIds() - ids };
    };
    const ours = measure();
    const names = ['Identity', 'Cast'];
    const mine = names.map((n) => tf.getKernel(n, 'wasm'));
    for (const n of names) {
      const stock = replacedKernel(n, 'wasm');
      if (!stock) throw new Error(`no stock ${n}`);
      tf.unregisterKernel(n, 'wasm');
      tf.registerKernel(stock);
    }
    try {
      const theirs = measure();
      expect(ours.bits).toEqual(theirs.bits);
      expect(ours.tensors).toBe(0);
      expect(ours.ids).toBe(0);
      expect(theirs.ids).toBe(0);
    } finally {
      names.forEach((n, k) => {
        tf.unregisterKernel(n, 'wasm');
        const m = mine[k];
        if (m) tf.registerKernel(m);
      });
    }
  });
});
