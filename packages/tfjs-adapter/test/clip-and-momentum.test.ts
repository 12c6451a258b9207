import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdapterOptionError, clipByGlobalNorm, withSchedule } from '../src/index.js';
import { expectClose, freshVariable, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const one = () => 1;

describe('clipNorm: global-norm clipping (tf.clip_by_global_norm semantics)', () => {
  const G1 = [3, -4];
  const G2 = [12, 0, 0];
  const NORM = 13; // sqrt(9 + 16 + 144)

  for (const [clip, scale] of [
    [6.5, 0.5],
    [13, 1],
    [100, 1],
  ] as const) {
    it(`clipNorm ${clip}: gradients scaled by clipNorm / max(norm, clipNorm)`, () => {
      const a = freshVariable([0, 0]);
      const b = freshVariable([0, 0, 0]);
      const opt = withSchedule(tf.train.sgd(1), one, { clipNorm: clip });
      const ga = tf.tensor1d(G1);
      const gb = tf.tensor1d(G2);
      opt.applyGradients([
        { name: a.name, tensor: ga },
        { name: b.name, tensor: gb },
      ]);
      Array.from(a.dataSync()).forEach((v, i) => {
        expectClose(v, -G1[i] * scale);
      });
      Array.from(b.dataSync()).forEach((v, i) => {
        expectClose(v, -G2[i] * scale);
      });
      expectClose(opt.lastGradientNorm, NORM);
      expect(ga.isDisposed).toBe(false);
      tf.dispose([ga, gb, a, b]);
      opt.dispose();
    });
  }

  it('clipByGlobalNorm passes null gradients through and reports the norm', () => {
    const g = tf.tensor1d([3, 4]);
    const out = clipByGlobalNorm([g, null], 1);
    expect(out.grads[1]).toBeNull();
    expectClose(out.norm.dataSync()[0], 5);
    Array.from((out.grads[0] as tf.Tensor).dataSync()).forEach((v, i) => {
      expectClose(v, [0.6, 0.8][i]);
    });
    tf.dispose([g, out.norm, out.grads[0] as tf.Tensor]);
  });

  it('lastGradientNorm is NaN when not tracked, Infinity/NaN when gradients are', () => {
    const w = freshVariable([0]);
    const plain = withSchedule(tf.train.sgd(1), one);
    plain.minimize(() => tf.sum(w) as tf.Scalar);
    expect(plain.lastGradientNorm).toBeNaN();
    const tracked = withSchedule(tf.train.sgd(1), one, { trackGradientNorm: true });
    expect(tracked.lastGradientNorm).toBeNaN();
    const g = tf.tensor1d([Number.POSITIVE_INFINITY]);
    tracked.applyGradients({ [w.name]: g });
    expect(tracked.lastGradientNorm).toBe(Number.POSITIVE_INFINITY);
    tf.dispose([g, w]);
    plain.dispose();
    tracked.dispose();
  });
});

describe('momentum schedules', () => {
  const moms = (k: number) => [0.9, 0.5, 0, 0.7, 0.95][k % 5];

  it('Momentum: the update uses m = momentum(k) (float32 recurrence, exact)', () => {
    for (const nesterov of [false, true]) {
      const w = freshVariable([0]);
      const opt = withSchedule(tf.train.momentum(1, 0.3, nesterov), schedule, {
        momentum: moms,
      });
      let acc = 0;
      let x = 0;
      const f = Math.fround;
      for (let k = 0; k < 12; k++) {
        opt.minimize(() => tf.sum(w) as tf.Scalar);
        const m = f(moms(k));
        const c = f(-schedule(k));
        acc = f(f(m * acc) + 1);
        x = nesterov ? f(f(c * f(1 + f(acc * m))) + x) : f(f(c * acc) + x);
        expect(w.dataSync()[0]).toBe(x);
      }
      opt.dispose();
      w.dispose();
    }
  });

  /** Adam with a time-varying beta1 in float64: bias correction 1 - prod(beta1_i). */
  function adamReference(
    grads: (w: number) => number,
    steps: number,
    beta1: (k: number) => number,
    max: boolean,
  ): number[] {
    const beta2 = 0.999;
    const eps = tf.backend().epsilon();
    let w = 1;
    let m = 0;
    let v = 0;
    let p1 = 1;
    let p2 = 1;
    const out: number[] = [];
    for (let k = 0; k < steps; k++) {
      const g = grads(w);
      const b1 = beta1(k);
      m = b1 * m + (1 - b1) * g;
      p1 *= b1;
      p2 *= beta2;
      if (max) {
        v = Math.max(beta2 * v, Math.abs(g));
        w -= (schedule(k) / (1 - p1)) * (m / (v + eps));
      } else {
        v = beta2 * v + (1 - beta2) * g * g;
        w -= (schedule(k) * (m / (1 - p1))) / (Math.sqrt(v / (1 - p2)) + eps);
      }
      out.push(w);
    }
    return out;
  }

  for (const [name, make, max] of [
    ['Adam', () => tf.train.adam(1, 0.9, 0.999), false],
    ['Adamax', () => tf.train.adamax(1, 0.9, 0.999), true],
  ] as const) {
    it(`${name}: beta1 = momentum(k) with exact bias correction`, () => {
      const w = freshVariable([1]);
      const opt = withSchedule(make(), schedule, { momentum: moms });
      const ref = adamReference((x) => 2 * x, 15, moms, max);
      for (let k = 0; k < 15; k++) {
        opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
        expectClose(w.dataSync()[0], ref[k], 2e-4, 1e-5);
      }
      opt.dispose();
      w.dispose();
    });
  }

  it('Adam: a constant beta1 schedule reproduces plain tfjs Adam', () => {
    const w1 = freshVariable([1, -2]);
    const w2 = freshVariable([1, -2]);
    const plain = tf.train.adam(0.05, 0.8);
    const opt = withSchedule(tf.train.adam(0.05, 0.3), () => 0.05, { momentum: () => 0.8 });
    for (let k = 0; k < 20; k++) {
      plain.minimize(() => tf.sum(tf.square(w1)) as tf.Scalar);
      opt.minimize(() => tf.sum(tf.square(w2)) as tf.Scalar);
    }
    const a = w1.dataSync();
    const b = w2.dataSync();
    for (let i = 0; i < 2; i++) expectClose(b[i], a[i], 1e-5, 1e-7);
    tf.dispose([w1, w2]);
    plain.dispose();
    opt.dispose();
  });

  it('RMSProp: momentum(k) is the coefficient of the moment accumulator', () => {
    const w = freshVariable([1]);
    const opt = withSchedule(tf.train.rmsprop(1, 0.9, 0.5), schedule, { momentum: moms });
    const eps = tf.backend().epsilon();
    let x = 1;
    let ms = 0;
    let mom = 0;
    for (let k = 0; k < 12; k++) {
      opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
      const g = 2 * x;
      ms = 0.9 * ms + 0.1 * g * g;
      mom = moms(k) * mom + (schedule(k) * g) / Math.sqrt(ms + eps);
      x -= mom;
      expectClose(w.dataSync()[0], x, 1e-4, 1e-5);
    }
    opt.dispose();
    w.dispose();
  });

  it('rejects momentum values outside [0, 1) at update time', () => {
    const w = freshVariable([1]);
    const opt = withSchedule(tf.train.momentum(0.1, 0.9), schedule, { momentum: () => 1 });
    expect(() => opt.minimize(() => tf.sum(w) as tf.Scalar)).toThrow(AdapterOptionError);
    expect(() => opt.minimize(() => tf.sum(w) as tf.Scalar)).toThrow(/momentum\(0\)/);
    opt.dispose();
    w.dispose();
  });
});
