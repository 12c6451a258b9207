import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { setLearningRate } from '../src/index.js';

describe('setLearningRate', () => {
  it('changes the step SGD takes', async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.zeros([3]));
    const opt = tf.train.sgd(1);
    setLearningRate(opt, 0.25);
    opt.minimize(() => tf.sum(w) as tf.Scalar);
    expect(Array.from(w.dataSync())).toEqual([-0.25, -0.25, -0.25]);
    opt.dispose();
    w.dispose();
  });
});
