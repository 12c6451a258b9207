import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Flattens nested number arrays. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

/**
 * Asserts |actual - expected| <= rtol |expected| + atol elementwise (and finiteness).
 */
export function expectClose(
  actual: ArrayLike<number> | number[],
  expected: ArrayLike<number> | number[],
  rtol: number,
  atol = 0,
  label = '',
): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isFinite(a) && Math.abs(a - e) <= rtol * Math.abs(e) + atol;
    if (!ok) {
      expect.fail(`${label}[${i}]: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Values of a tensor as a plain array (and disposes it). */
export function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Asserts that `fn` leaves no new tensors behind (after disposing what it returns). */
export function expectNoLeak(fn: () => unknown): void {
  const before = tf.memory().numTensors;
  const out = fn();
  if (out instanceof tf.Tensor || Array.isArray(out)) tf.dispose(out as tf.Tensor | tf.Tensor[]);
  expect(tf.memory().numTensors).toBe(before);
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random valid xyxy boxes [n, 4] with coordinates in [0, scale). */
export function randomBoxes(n: number, rand: () => number, scale = 10): number[][] {
  return Array.from({ length: n }, () => {
    const x1 = rand() * scale;
    const y1 = rand() * scale;
    return [x1, y1, x1 + 0.2 + rand() * scale, y1 + 0.2 + rand() * scale];
  });
}

/**
 * Central finite-difference gradient of scalar `f` at `x` (float32), compared with `tf.grad`.
 * Checks finiteness everywhere and |analytic - numeric| <= tol * max(1, |numeric|).
 */
export function checkGradient(
  f: (x: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  h: number,
  tol: number,
  label = '',
): void {
  const g = tf.tidy(() => tf.grad((v: tf.Tensor) => f(v) as tf.Scalar)(x));
  const analytic = values(g);
  for (const a of analytic) expect(Number.isFinite(a), `${label} grad finite`).toBe(true);
  const base = Array.from(x.dataSync());
  for (let i = 0; i < base.length; i++) {
    const eval1 = (delta: number) =>
      tf.tidy(() => {
        const v = base.slice();
        v[i] += delta;
        return f(tf.tensor(v, x.shape)).dataSync()[0];
      });
    const up = eval1(h);
    const down = eval1(-h);
    // use the actually representable step in float32
    const hu = Math.fround(base[i] + h) - Math.fround(base[i]);
    const hd = Math.fround(base[i]) - Math.fround(base[i] - h);
    const numeric = (up - down) / (hu + hd);
    const diff = Math.abs(analytic[i] - numeric);
    if (!(diff <= tol * Math.max(1, Math.abs(numeric)))) {
      expect.fail(`${label}[${i}]: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  }
}
