import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  AdapterOptionError,
  getLearningRate,
  setLearningRate,
  withSchedule,
} from '../src/index.js';

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

  it('rejects a bad rate and a ScheduledOptimizer', () => {
    const opt = tf.train.adam(0.1);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => setLearningRate(opt, bad)).toThrow(AdapterOptionError);
    }
    expect(getLearningRate(opt)).toBe(0.1);
    const wrapped = withSchedule(opt, () => 0.1);
    expect(() => setLearningRate(wrapped, 0.2)).toThrow(/ScheduledOptimizer/);
    wrapped.dispose();
  });

  it('replaces the cached SGD/Momentum scalar without leaking, skips unchanged rates', async () => {
    await tf.setBackend('cpu');
    for (const opt of [tf.train.sgd(1), tf.train.momentum(1, 0.9)]) {
      const before = tf.memory().numTensors;
      setLearningRate(opt, 0.5);
      setLearningRate(opt, 0.5);
      setLearningRate(opt, 0.25);
      expect(tf.memory().numTensors).toBe(before);
      expect(getLearningRate(opt)).toBe(0.25);
      opt.dispose();
    }
  });
});
