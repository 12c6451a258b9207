import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { maxRelativeError, randomValues, setupBackends, yieldToEventLoop } from './helpers.js';

afterEach(yieldToEventLoop);

/**
 * A small detection-style conv net touching the gradient kernels a trainer needs. `variant`
 * 'stock' avoids the two ops whose stock tfjs gradients are wrong (nearest-neighbour upsampling
 * and avgPool over 'same' padding), so the stock cpu backend can serve as the reference.
 */
function convNetLoss(x: tf.Tensor4D, w: tf.Tensor[], variant: 'stock' | 'full'): tf.Scalar {
  const [c1, dw, pw, c2, up, head, gamma, beta] = w as tf.Tensor4D[];
  let h: tf.Tensor4D = tf.relu(tf.conv2d(x, c1, 2, 'same')); // [2, 8, 8, 6]
  const skip = h;
  h = tf.separableConv2d(h, dw, pw, 1, 'same'); // depthwise + pointwise
  const moments = tf.moments(h, [0, 1, 2]);
  h = tf.batchNorm(h, moments.mean, moments.variance, beta, gamma, 1e-3) as tf.Tensor4D;
  h = tf.maxPool(h, 2, 2, 'same'); // [2, 4, 4, 8]
  h = tf.relu(tf.conv2d(h, c2, 1, 'valid')); // [2, 2, 2, 8]
  h =
    variant === 'full'
      ? tf.image.resizeNearestNeighbor(h, [8, 8])
      : tf.image.resizeBilinear(h, [8, 8]);
  h = tf.concat([h, skip], 3); // [2, 8, 8, 14]
  h = tf.conv2dTranspose(h, up, [2, 16, 16, 4], 2, 'same');
  h = variant === 'full' ? tf.avgPool(h, 3, 2, 'same') : tf.avgPool(h, 2, 2, 'valid'); // [2, 8, 8, 4]
  h = tf.image.resizeBilinear(h, [6, 6]);
  h = tf.pad(h, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const out = tf.conv2d(h, head, 1, 'same'); // [2, 8, 8, 3]
  return tf.mean(tf.square(tf.sub(tf.sigmoid(out), 0.25)));
}

const shapes: number[][] = [
  [3, 3, 3, 6],
  [3, 3, 6, 2],
  [1, 1, 12, 8],
  [3, 3, 8, 8],
  [3, 3, 4, 14],
  [3, 3, 4, 3],
  [8],
  [8],
];

function gradients(backend: string, variant: 'stock' | 'full'): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(2 * 16 * 16 * 3, 1), [2, 16, 16, 3]);
    const weights = shapes.map((s, i) =>
      tf.tensor(
        randomValues(
          s.reduce((p, d) => p * d, 1),
          100 + i,
        ),
        s,
      ),
    );
    const grads = tf.grads((...w: tf.Tensor[]) => convNetLoss(x, w, variant))(weights);
    expect(tf.getBackend()).toBe(backend);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

function gatherGradient(): Float32Array[] {
  return tf.tidy(() => {
    const params = tf.tensor2d(randomValues(7 * 5, 3), [7, 5]);
    const weights = tf.tensor2d(randomValues(9 * 5, 4), [9, 5]);
    const indices = tf.tensor1d([6, 0, 3, 3, 1, 6, 2, 5, 4], 'int32');
    const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, indices), weights)))(params);
    const g1 = tf.grad((p: tf.Tensor) => tf.sum(tf.square(tf.gather(p, [1, 1, 4], 1))))(params);
    return [g.dataSync() as Float32Array, g1.dataSync() as Float32Array];
  });
}

let stockCpu: { net: Float32Array[]; gather: Float32Array[] };
let oursCpu: Float32Array[];

beforeAll(async () => {
  await setupBackends();
  // Reference: the stock cpu kernels, before ours replace any.
  await tf.setBackend('cpu');
  stockCpu = { net: gradients('cpu', 'stock'), gather: gatherGradient() };
  registerTrainingKernels();
  oursCpu = gradients('cpu', 'full');
});

describe('tf.grad on wasm matches the stock cpu backend', () => {
  it('conv net with nearest upsampling and same-padded avgPool: wasm equals cpu', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const grads = gradients('wasm', 'full');
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, g] of grads.entries()) {
      expect(maxRelativeError(g, oursCpu[i]), `weight ${i}`).toBeLessThan(1e-4);
    }
  });
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`conv net gradients (${backend} with our kernels)`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const grads = gradients(backend, 'stock');
      expect(tf.memory().numTensors).toBe(before);
      expect(grads).toHaveLength(stockCpu.net.length);
      for (const [i, g] of grads.entries()) {
        expect(maxRelativeError(g, stockCpu.net[i]), `weight ${i}`).toBeLessThan(1e-4);
        expect(stockCpu.net[i].some((v) => v !== 0)).toBe(true);
      }
    });
    it(`tf.gather gradients (${backend} with our kernels)`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const grads = gatherGradient();
      expect(tf.memory().numTensors).toBe(before);
      for (const [i, g] of grads.entries()) {
        expect(maxRelativeError(g, stockCpu.gather[i])).toBeLessThan(1e-4);
      }
    });
  }
});
