import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { readFileSync } from 'node:fs';
import { exponentialDecayWithBurnin } from '@burnin/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSchedule } from '../src/index.js';
import { freshVariable } from './helpers.js';

interface Case {
  opts: Parameters<typeof exponentialDecayWithBurnin>[0];
  steps: number[];
  expected: number[];
}
const fixture = JSON.parse(
  readFileSync(
    new URL('./fixtures/tfod-exponential-decay-with-burnin.json', import.meta.url),
    'utf8',
  ),
) as { cases: Case[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SGD under withSchedule moves by the rate TF Object Detection API computes', () => {
  it('has the reference cases', () => {
    expect(fixture.cases.length).toBeGreaterThan(10);
  });

  fixture.cases.forEach((c, i) => {
    it(`case ${i}: ${JSON.stringify(c.opts)}`, () => {
      const opt = withSchedule(tf.train.sgd(1), exponentialDecayWithBurnin(c.opts));
      const w = freshVariable([0]);
      const max = Math.max(...c.expected);
      c.steps.forEach((step, j) => {
        tf.tidy(() => w.assign(tf.zerosLike(w)));
        opt.setState({ step });
        opt.minimize(() => tf.sum(w) as tf.Scalar);
        const moved = -w.dataSync()[0];
        const tol = 1e-4 * Math.abs(c.expected[j]) + 1e-6 * max;
        expect(Math.abs(moved - c.expected[j])).toBeLessThanOrEqual(tol);
        expect(opt.step).toBe(step + 1);
      });
      opt.dispose();
      w.dispose();
    });
  });
});
