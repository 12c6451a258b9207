import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { meanSquaredError } from '../src/index.js';

describe('meanSquaredError', () => {
  it('equals tf.losses.meanSquaredError with MEAN reduction and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const b = tf.tensor2d([
      [1.5, 2],
      [2, 6],
    ]);
    const before = tf.memory().numTensors;
    const ours = meanSquaredError(a, b);
    const ref = tf.losses.meanSquaredError(a, b, undefined, tf.Reduction.MEAN);
    expect(ours.dataSync()[0]).toBeCloseTo(ref.dataSync()[0], 6);
    tf.dispose([ours, ref]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
