import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeOptimizerWeights, type WithScheduleOptions, withSchedule } from '../src/index.js';
import { freshVariable, OPTIMIZERS, quadraticStep, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const step = quadraticStep;

const VARIANTS: [string, (lr: number) => tf.Optimizer, WithScheduleOptions][] = [
  ...Object.entries(OPTIMIZERS).map(
    ([n, make]) => [n, make, {}] as [string, (lr: number) => tf.Optimizer, WithScheduleOptions],
  ),
  ['adam + beta1 schedule', OPTIMIZERS.adam, { momentum: (k) => 0.8 + 0.01 * (k % 10) }],
  ['momentum + momentum schedule', OPTIMIZERS.momentum, { momentum: (k) => 0.5 + 0.03 * k }],
];

describe('setWeights(getWeights()) on the same optimizer is a no-op', () => {
  for (const [name, make, options] of VARIANTS) {
    it(name, async () => {
      // Reference: 10 updates without the round trip.
      const w = freshVariable([0, 0, 0, 0]);
      const opt = withSchedule(make(0.3), schedule, options);
      for (let k = 0; k < 10; k++) step(opt, w);
      const want = Array.from(w.dataSync());
      opt.dispose();
      w.dispose();

      const w1 = freshVariable([0, 0, 0, 0]);
      const opt1 = withSchedule(make(0.3), schedule, options);
      for (let k = 0; k < 4; k++) step(opt1, w1);
      const before = tf.memory().numTensors;
      for (let round = 0; round < 3; round++) {
        const weights = await opt1.getWeights();
        await opt1.setWeights(weights);
        disposeOptimizerWeights(weights);
      }
      // no tensor leaked or lost by the round trips
      expect(tf.memory().numTensors).toBe(before);
      expect(opt1.step).toBe(4);
      for (let k = 4; k < 10; k++) step(opt1, w1);
      expect(Array.from(w1.dataSync())).toEqual(want);
      opt1.dispose();
      w1.dispose();
    });
  }
});
