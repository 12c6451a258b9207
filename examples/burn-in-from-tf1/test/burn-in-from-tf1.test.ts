import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { EPOCH_STEPS, intendedBurnin, tutorialChain } from '../src/schedules.js';
import { trainRegression } from '../src/train.js';

/** TensorFlow's values (studies/burnin-vs-peak-lr/tutorial/tf_reference.py, float32). */
const ref = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '../../../studies/burnin-vs-peak-lr/tutorial/reference.json'),
    'utf8',
  ),
) as {
  epochSteps: number;
  steps: number[];
  chained: { expected: number[] };
  burnin: { options: Record<string, number | boolean>; expected: number[] };
};

/** |got - want| <= 1e-4 |want| at every index. */
function expectClose(got: readonly number[], want: readonly number[], what: string) {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]), `${what} at step ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(
      1e-4 * Math.abs(want[i]),
    );
  });
}

describe('the schedules against TensorFlow', () => {
  it('uses the epoch length TF was run with (1024 // 32 = 32 updates), epochs 0..8', () => {
    expect(ref.epochSteps).toBe(EPOCH_STEPS);
    expect(ref.steps).toEqual(Array.from({ length: 8 * EPOCH_STEPS + 1 }, (_, i) => i));
  });

  it("tutorialChain (two `exponential`s multiplied) = TF's chained tf.compat.v1.train.exponential_decay", () => {
    const chain = tutorialChain();
    expectClose(
      ref.steps.map((s) => chain(s)),
      ref.chained.expected,
      'chained',
    );
    // no burn-in: the rate starts at its highest and is 20x lower after one epoch
    expect(chain(0)).toBe(0.1);
    expect(chain(EPOCH_STEPS) / chain(0)).toBeCloseTo(1 / 20, 12);
    expect(ref.chained.expected[EPOCH_STEPS] / ref.chained.expected[0]).toBeCloseTo(1 / 20, 6);
  });

  it("intendedBurnin = TF's exponential_decay_with_burnin semantics, same options", () => {
    const s = intendedBurnin();
    expect(s.spec.options).toMatchObject(ref.burnin.options);
    expectClose(
      ref.steps.map((k) => s(k)),
      ref.burnin.expected,
      'burn-in',
    );
  });
});

describe('the example trains with them', () => {
  const epochs = 3;

  it('burn-in: the optimizer uses 0.01 for the first epoch, then the decay; the loss goes down', async () => {
    const log = await trainRegression(intendedBurnin(), epochs);
    expect(log.lrs.length).toBe(epochs * EPOCH_STEPS);
    // held at the burn-in rate for exactly the burn-in steps
    expect(log.lrs.slice(0, EPOCH_STEPS)).toEqual(new Array(EPOCH_STEPS).fill(0.01));
    expect(log.lrs[EPOCH_STEPS]).toBe(0.1);
    // then the TF values, update by update
    expectClose(log.lrs, ref.burnin.expected.slice(0, epochs * EPOCH_STEPS), 'optimizer lr');
    // the loss falls every epoch, by more than 100x overall (from about 30 to near the noise)
    for (let k = 1; k <= epochs; k++) expect(log.epochLoss[k]).toBeLessThan(log.epochLoss[k - 1]);
    expect(log.epochLoss[epochs]).toBeLessThan(log.epochLoss[0] / 100);
  });

  it("chained: the optimizer follows TF's chained values and the model stalls far from the fit", async () => {
    const chained = await trainRegression(tutorialChain(), epochs);
    const burnin = await trainRegression(intendedBurnin(), epochs);
    expectClose(chained.lrs, ref.chained.expected.slice(0, epochs * EPOCH_STEPS), 'chained lr');
    // Adam moves each weight by at most about lr per update: the chained rates sum to ~1.4,
    // less than the largest true weight (3), so the loss stays high
    expect(chained.lrs.reduce((a, b) => a + b, 0)).toBeLessThan(1.5);
    expect(chained.epochLoss[epochs]).toBeGreaterThan(1);
    expect(burnin.epochLoss[epochs]).toBeLessThan(chained.epochLoss[epochs] / 10);
  });

  it('leaves no tensor behind', async () => {
    await trainRegression(intendedBurnin(), 1); // initialises the backend
    const before = tf.memory().numTensors;
    await trainRegression(intendedBurnin(), 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
