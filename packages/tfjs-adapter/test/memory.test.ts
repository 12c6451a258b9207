import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLearningRate, type WithScheduleOptions, withSchedule } from '../src/index.js';
import { freshVariable, OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VARIANTS: [string, () => tf.Optimizer, WithScheduleOptions][] = [
  ...Object.entries(OPTIMIZERS).map(
    ([n, make]) => [n, () => make(0.1), {}] as [string, () => tf.Optimizer, WithScheduleOptions],
  ),
  ...Object.entries(OPTIMIZERS).map(
    ([n, make]) =>
      [`${n} + clipNorm`, () => make(0.1), { clipNorm: 0.5 }] as [
        string,
        () => tf.Optimizer,
        WithScheduleOptions,
      ],
  ),
  [
    'momentum + momentum schedule',
    () => OPTIMIZERS.momentum(0.1),
    { momentum: (k) => 0.5 + (k % 9) / 20 },
  ],
  [
    'nesterov + momentum schedule',
    () => tf.train.momentum(0.1, 0.9, true),
    { momentum: (k) => (k % 7) / 10 },
  ],
  ['adam + beta1 schedule', () => OPTIMIZERS.adam(0.1), { momentum: (k) => 0.5 + (k % 9) / 20 }],
  [
    'adamax + beta1 schedule',
    () => OPTIMIZERS.adamax(0.1),
    { momentum: (k) => 0.5 + (k % 9) / 20 },
  ],
  ['rmsprop + momentum schedule', () => OPTIMIZERS.rmsprop(0.1), { momentum: (k) => (k % 9) / 10 }],
  ['adam + trackGradientNorm', () => OPTIMIZERS.adam(0.1), { trackGradientNorm: true }],
];

describe('tf.memory().numTensors is the same after step 10 and step 1,000', () => {
  for (const [name, make, options] of VARIANTS) {
    it(name, () => {
      const w = freshVariable([0.5, -0.25, 1]);
      const opt = withSchedule(make(), schedule, options);
      const f = () => tf.sum(tf.square(w)) as tf.Scalar;
      let after10 = 0;
      for (let k = 1; k <= 1000; k++) {
        opt.minimize(f);
        if (k % 97 === 0) void opt.lastGradientNorm;
        if (k === 10) after10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(after10);
      const before = tf.memory().numTensors;
      opt.dispose();
      w.dispose();
      // dispose() releases everything the wrapper and the wrapped optimizer held.
      expect(tf.memory().numTensors).toBeLessThan(before);
    });
  }

  it('dispose() releases every tensor the optimizer created (Momentum included)', () => {
    for (const make of Object.values(OPTIMIZERS)) {
      const w = freshVariable([1, 2]);
      const start = tf.memory().numTensors;
      const opt = withSchedule(make(0.1), schedule, { clipNorm: 1 });
      for (let k = 0; k < 5; k++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(start);
      w.dispose();
    }
  });

  it('setLearningRate with a new rate every step does not leak', () => {
    for (const make of Object.values(OPTIMIZERS)) {
      const w = freshVariable([1, 2]);
      const opt = make(0.1);
      let after10 = 0;
      for (let k = 1; k <= 1000; k++) {
        setLearningRate(opt, schedule(k));
        opt.minimize(() => tf.sum(w) as tf.Scalar);
        if (k === 10) after10 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(after10);
      opt.dispose();
      w.dispose();
    }
  });
});
