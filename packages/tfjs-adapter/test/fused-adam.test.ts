import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { withSchedule } from '../src/index.js';
import { schedule } from './helpers.js';

const SHAPES: number[][] = [[3, 3, 4, 8], [8], [5, 7], [1]];

/** Deterministic pseudo-random floats spanning many magnitudes (and exact zeros). */
function randomValues(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const e = Math.floor((s / 2 ** 32) * 12) - 8; // 1e-8 .. 1e3
    out[i] = i % 17 === 0 ? 0 : (u - 0.5) * 10 ** e;
  }
  return out;
}

let uid = 0;
function makeVariables(seed: number): tf.Variable[] {
  return SHAPES.map((shape, k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(randomValues(size, seed + k), shape), true, `fa${uid++}`);
  });
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
}

interface Run {
  weights: number[][];
  slots: number[][];
  accBeta: number[];
}

/** `steps` updates of Adam through withSchedule with random gradients; the state after each. */
async function run(
  fused: boolean,
  steps: number,
  o: { arrayForm?: boolean; skip?: number; momentum?: boolean; gradScale?: number } = {},
): Promise<Run[]> {
  const vars = makeVariables(7);
  const opt = withSchedule(tf.train.adam(0.01, 0.9, 0.999), schedule, {
    fused,
    ...(o.momentum ? { momentum: (k: number) => 0.5 + 0.04 * (k % 5) } : {}),
  });
  const out: Run[] = [];
  for (let k = 0; k < steps; k++) {
    const grads = vars.map((v, i) =>
      tf.mul(tf.tensor(randomValues(v.size, 1000 * k + i), v.shape), o.gradScale ?? 1),
    );
    // a left-out gradient stays in its place as null (tfjs indexes the moment slots by position)
    const entries = vars.map((v, i) => ({
      name: v.name,
      tensor: (i === o.skip && k > 0 ? null : grads[i]) as tf.Tensor,
    }));
    if (o.arrayForm) opt.applyGradients(entries);
    else opt.applyGradients(Object.fromEntries(entries.map((e) => [e.name, e.tensor])));
    tf.dispose(grads);
    const inner = opt.inner as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    const w = await opt.getWeights();
    out.push({
      weights: vars.map(bits),
      slots: w
        .filter((e) => e.name.endsWith('/m') || e.name.endsWith('/v'))
        .map((e) => bits(e.tensor)),
      accBeta: [...bits(inner.accBeta1), ...bits(inner.accBeta2)],
    });
    tf.dispose(
      w.filter((e) => !(e.name.endsWith('/m') || e.name.endsWith('/v'))).map((e) => e.tensor),
    );
  }
  opt.dispose();
  tf.dispose(vars);
  return out;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`fused Adam update on ${backend}`, () => {
    it('sets the backend', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
    });

    it('equals tfjs Adam bit for bit: weights, moments and bias-correction products over 12 steps', async () => {
      const stock = await run(false, 12);
      const fused = await run(true, 12);
      expect(fused).toEqual(stock);
      // the weights did move (a comparison of two frozen runs would prove nothing)
      expect(stock[11].weights[0]).not.toEqual(stock[0].weights[0]);
    });

    it('bit for bit with array-form gradients, a gradient left out, a beta1 schedule', async () => {
      for (const arrayForm of [true, false]) {
        const opts = { arrayForm, skip: 1, momentum: true };
        const stock = await run(false, 8, opts);
        expect(await run(true, 8, opts)).toEqual(stock);
        expect(stock[7].weights[1]).toEqual(stock[0].weights[1]); // its variable did not move
      }
    });

    it('bit for bit when gradients overflow to Infinity and NaN', async () => {
      const opts = { gradScale: 1e36 };
      const stock = await run(false, 4, opts);
      expect(await run(true, 4, opts)).toEqual(stock);
      const nonFinite = stock[3].weights.flat().filter((b) => (b & 0x7f800000) === 0x7f800000);
      expect(nonFinite.length).toBeGreaterThan(0);
    });

    it('launches far fewer kernels than tfjs Adam, and leaks no tensors', async () => {
      const kernels = async (fused: boolean) => {
        const vars = makeVariables(3);
        const opt = withSchedule(tf.train.adam(0.01), schedule, { fused });
        const step = () =>
          tf.tidy(() =>
            opt.applyGradients(Object.fromEntries(vars.map((v) => [v.name, tf.onesLike(v)]))),
          );
        step(); // the first update creates the moment slots (tfjs's own update)
        const before = tf.memory().numTensors;
        const p = await tf.profile(step);
        for (let i = 0; i < 20; i++) step();
        const leaked = tf.memory().numTensors - before;
        opt.dispose();
        tf.dispose(vars);
        return { launches: p.kernels.length, leaked };
      };
      const stock = await kernels(false);
      const fused = await kernels(true);
      expect(stock.launches).toBeGreaterThanOrEqual(14 * SHAPES.length);
      expect(fused.launches).toBeLessThanOrEqual(SHAPES.length + 2);
      expect(fused.leaked).toBe(0);
      expect(stock.leaked).toBe(0);
    });
  });
}

describe('fused option', () => {
  it('rejects a non-boolean', () => {
    expect(() => withSchedule(tf.train.adam(0.1), schedule, { fused: 1 as never })).toThrow(
      /fused.*true or false/,
    );
  });
});

afterAll(async () => {
  await tf.setBackend('cpu');
});
