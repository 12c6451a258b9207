import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fasterGradientInstalled } from '../src/faster-gradients.js';
import { registerTrainingKernels } from '../src/index.js';
import { randomValues, setupBackends, yieldToEventLoop } from './helpers.js';

afterEach(yieldToEventLoop);

// tfjs-core's own gradients, captured before registerTrainingKernels replaces two of them
const STOCK = {
  Sum: tf.getGradient('Sum')!,
  Mean: tf.getGradient('Mean')!,
  Relu: tf.getGradient('Relu')!,
};

beforeAll(async () => {
  registerTrainingKernels();
  await setupBackends();
});

type Reduce = 'sum' | 'mean';

interface Case {
  shape: number[];
  axis: number | number[] | undefined;
  keepDims: boolean;
}

const CASES: Case[] = [
  { shape: [32, 11, 11, 16], axis: [0, 1, 2], keepDims: false }, // batch-norm moments
  { shape: [32, 11, 11, 16], axis: [0, 1, 2], keepDims: true },
  { shape: [8, 4], axis: undefined, keepDims: false }, // a mean loss: every axis
  { shape: [3, 5, 7], axis: 1, keepDims: false },
  { shape: [3, 5, 7], axis: [-1, 0], keepDims: true },
  { shape: [6, 1, 9], axis: 1, keepDims: false }, // reduces an axis of size 1
  { shape: [4, 5], axis: [], keepDims: false }, // reduces nothing
  { shape: [7], axis: 0, keepDims: false },
];

/** A dy for the reduction's output, with NaN, both infinities and a signed zero in it. */
function dyFor(c: Case, reduce: Reduce, seed: number): tf.Tensor {
  const out = tf.tidy(() => {
    const probe = tf.zeros(c.shape);
    return reduce === 'sum'
      ? tf.sum(probe, c.axis, c.keepDims)
      : tf.mean(probe, c.axis, c.keepDims);
  });
  const values = randomValues(out.size, seed);
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0];
  for (let i = 0; i < special.length && i * 3 < values.length; i++) values[i * 3] = special[i];
  const dy = tf.tensor(values, out.shape);
  out.dispose();
  return dy;
}

function gradient(c: Case, reduce: Reduce, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(
      randomValues(
        c.shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      c.shape,
    );
    const dy = dyFor(c, reduce, seed + 1);
    const f = (t: tf.Tensor) =>
      reduce === 'sum' ? tf.sum(t, c.axis, c.keepDims) : tf.mean(t, c.axis, c.keepDims);
    return tf.grad(f)(x, dy).dataSync() as Float32Array;
  });
}

/** Runs `fn` with tfjs-core's own gradients for Sum, Mean and Relu, then restores ours. */
function withStock<T>(fn: () => T): T {
  tf.registerGradient(STOCK.Sum);
  tf.registerGradient(STOCK.Mean);
  tf.registerGradient(STOCK.Relu);
  try {
    return fn();
  } finally {
    registerTrainingKernels();
  }
}

function sameBits(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let mismatches = 0;
  for (let i = 0; i < a.length; i++) {
    const nan = Number.isNaN(a[i]) && Number.isNaN(b[i]);
    if (!nan && ua[i] !== ub[i]) mismatches++;
  }
  expect(mismatches).toBe(0);
}

describe.each(['cpu', 'wasm'])('faster Sum, Mean and Relu gradients on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('are ours after registerTrainingKernels', () => {
    expect(fasterGradientInstalled('Sum')).toBe(true);
    expect(fasterGradientInstalled('Mean')).toBe(true);
    expect(fasterGradientInstalled('Relu')).toBe(true);
    registerTrainingKernels(); // idempotent
    expect(fasterGradientInstalled('Sum')).toBe(true);
    expect(fasterGradientInstalled('Relu')).toBe(true);
  });

  it('Relu: the bits of the stock gradient in one kernel (NaN, infinities, signed zeros)', () => {
    const values = randomValues(2 * 9 * 9 * 5, 21);
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
    special.forEach((v, i) => {
      values[i] = v; // in x
    });
    const dyValues = randomValues(values.length, 22);
    special.forEach((v, i) => {
      dyValues[10 + i] = v; // in dy, where x is random
      dyValues[i] = special[(i + 1) % special.length]; // and where x is special
    });
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(values, [2, 9, 9, 5]);
        const dy = tf.tensor4d(dyValues, [2, 9, 9, 5]);
        return tf
          .grad((t: tf.Tensor) => tf.relu(t))(x, dy)
          .dataSync() as Float32Array;
      });
    const before = tf.memory().numTensors;
    const ours = run();
    expect(tf.memory().numTensors).toBe(before);
    sameBits(ours, withStock(run));
    // independently: dy where x > 0, NaN where x is NaN, else dy * 0
    const expected = values.map((v, i) => dyValues[i] * (v > 0 ? 1 : Number.isNaN(v) ? v : 0));
    sameBits(ours, expected);
  });

  it('Relu: one kernel per relu gradient instead of Step, Cast and Multiply', async () => {
    const x = tf.tensor2d(randomValues(64, 23), [8, 8]);
    const info = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(x));
    x.dispose();
    (info.result as tf.Tensor).dispose();
    const names = info.kernels.map((k) => k.name);
    expect(names).toContain('BurninReluGrad');
    expect(names).not.toContain('Step');
  });

  it('Relu: second-order gradients equal the stock ones', () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor1d(randomValues(40, 24));
        const w = tf.tensor1d(randomValues(40, 25));
        // d/dw of sum(relu'(x) * w * w): goes through the gradient of the relu gradient
        const inner = (a: tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), a)))(x);
        const outer = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(inner(a), a)))(w);
        return outer.dataSync() as Float32Array;
      });
    sameBits(run(), withStock(run));
  });

  it.each(['sum', 'mean'] as const)(
    '%s: the bits of the stock gradient, and dy / n broadcast',
    (reduce) => {
      CASES.forEach((c, i) => {
        const ours = gradient(c, reduce, 10 + i);
        const stock = withStock(() => gradient(c, reduce, 10 + i));
        sameBits(ours, stock);
        // independent of tfjs: every element of x gets dy (divided by the reduced count in float32)
        const dy = tf.tidy(() => dyFor(c, reduce, 11 + i).dataSync() as Float32Array);
        const axes = c.axis === undefined ? c.shape.map((_, a) => a) : [c.axis].flat();
        const rank = c.shape.length;
        const reducedAxes = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
        const n = [...reducedAxes].reduce((p, a) => p * c.shape[a], 1);
        const expected = new Float32Array(ours.length);
        for (let flat = 0; flat < ours.length; flat++) {
          let rest = flat;
          const index: number[] = new Array(rank);
          for (let a = rank - 1; a >= 0; a--) {
            index[a] = rest % c.shape[a];
            rest = Math.floor(rest / c.shape[a]);
          }
          let o = 0;
          c.shape.forEach((_, a) => {
            if (!reducedAxes.has(a)) o = o * c.shape[a] + index[a];
          });
          expected[flat] = reduce === 'sum' ? dy[o] : Math.fround(dy[o] / n);
        }
        sameBits(ours, expected);
      });
    },
  );

  it('batch-norm training gradients equal the stock ones bit for bit, and leak nothing', () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(randomValues(4 * 6 * 6 * 5, 3), [4, 6, 6, 5]);
        const gamma = tf.tensor1d(randomValues(5, 4));
        const beta = tf.tensor1d(randomValues(5, 5));
        const loss = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          const y = tf.batchNorm(a, mean, variance, b, g, 1e-3);
          return tf.mean(tf.square(tf.sub(y, 0.5)));
        };
        return tf
          .grads(loss as (...t: tf.Tensor[]) => tf.Scalar)([x, gamma, beta])
          .map((g) => g.dataSync() as Float32Array);
      });
    const before = tf.memory().numTensors;
    const ours = run();
    expect(tf.memory().numTensors).toBe(before);
    const stock = withStock(run);
    for (const [i, g] of ours.entries()) sameBits(g, stock[i]);
  });

  it('an empty x runs the stock gradient', () => {
    const g = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.mean(t, 1))(tf.zeros([0, 3]))
        .shape.join('x'),
    );
    expect(g).toBe('0x3');
  });
});
