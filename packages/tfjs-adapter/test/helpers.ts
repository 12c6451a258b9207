import { exponentialDecayWithBurnin } from '@burnin/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { AdapterOptionError } from '../src/index.js';

/** The seven tfjs optimizers, each built with learning rate `lr` (its other defaults kept). */
export const OPTIMIZERS: Record<string, (lr: number) => tf.Optimizer> = {
  sgd: (lr) => tf.train.sgd(lr),
  momentum: (lr) => tf.train.momentum(lr, 0.9),
  adam: (lr) => tf.train.adam(lr),
  adamax: (lr) => tf.train.adamax(lr),
  rmsprop: (lr) => tf.train.rmsprop(lr),
  adagrad: (lr) => tf.train.adagrad(lr),
  adadelta: (lr) => tf.train.adadelta(lr),
};

/** A schedule that changes at every step (burn-in, then continuous exponential decay). */
export const schedule = exponentialDecayWithBurnin({
  learningRateBase: 0.5,
  learningRateDecaySteps: 3,
  learningRateDecayFactor: 0.7,
  burninLearningRate: 0.05,
  burninSteps: 2,
  minLearningRate: 0.01,
  staircase: false,
});

let counter = 0;
/** A fresh, uniquely named variable. */
export function freshVariable(init: number[] | tf.Tensor, name?: string): tf.Variable {
  const t = Array.isArray(init) ? tf.tensor1d(init) : init;
  const v = tf.variable(t, true, name ?? `w${counter++}`);
  if (Array.isArray(init)) t.dispose();
  return v;
}

/** Relative closeness with a float32-sized tolerance. */
export function expectClose(actual: number, expected: number, rel = 2e-6, abs = 1e-9): void {
  const tol = abs + rel * Math.abs(expected);
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${actual} to be within ${tol} of ${expected}`);
  }
}

const TARGET = [0.5, -1, 2, 0.25];
const COEF = [1, 3, 0.5, 2];

/**
 * One `opt.minimize` of f(w) = sum(coef * (w - target)^2) for a 4-vector `w`: the gradients
 * change with w, so any drift between two runs shows.
 */
export function quadraticStep(opt: tf.Optimizer, w: tf.Variable): void {
  opt.minimize(() => tf.tidy(() => tf.sum(tf.mul(COEF, tf.square(tf.sub(w, TARGET))))));
}

/** The AdapterOptionError that `f` throws (the test fails if it throws nothing or another error). */
export function thrown(f: () => unknown): AdapterOptionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterOptionError);
    return e as AdapterOptionError;
  }
  throw new Error('did not throw');
}
