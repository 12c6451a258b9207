import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE_KERNEL, registerTrainingKernels } from '../src/index.js';
import { NATIVE_CONV_FLAG, nativeConvKernels, nativeStats } from '../src/kernels/native-conv.js';
import { loadNativeConvKernels } from '../src/native-loader.js';
import { randomValues, setupBackends, yieldToEventLoop } from './helpers.js';

const f = Math.fround;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

beforeAll(async () => {
  await setupBackends();
  registerTrainingKernels();
  loadNativeConvKernels();
  nativeConvKernels(); // registers the flag
});

afterEach(() => {
  nativeConvKernels(); // registers the flag
  tf.env().set(NATIVE_CONV_FLAG, true);
  return yieldToEventLoop();
});

/**
 * Runs `steps` updates of tfjs's own Adam and the same updates through the kernel (constants
 * derived as @burnin/tfjs-adapter derives them), from the same start, with a learning rate that
 * changes every step; returns both final weights and moments.
 */
function run(size: number, steps: number, seed: number, tiny = false) {
  const [lr0, beta1, beta2, eps] = [3e-3, 0.9, 0.999, 1e-7];
  const w0 = randomValues(size, seed);
  // `tiny`: gradients of 1e-38 .. 1e-42 (float32 subnormals below 1.2e-38) and zeros, so the
  // moments become subnormal (as those of units whose gradient stays 0 do late in a run)
  const scale = (s: number, i: number) =>
    tiny ? (i % 5 === 0 ? 0 : 10 ** (-38 - 2 * ((s + i) % 3))) : 10 ** ((s % 3) - 1);
  const grads = Array.from({ length: steps }, (_, s) =>
    randomValues(size, seed + 1 + s).map((x, i) => f(x * scale(s, i))),
  );
  // tfjs's own update
  const wRef = tf.tidy(() => tf.variable(tf.tensor1d(w0), true, `ref${seed}`));
  const adam = tf.train.adam(lr0, beta1, beta2, eps);
  for (let s = 0; s < steps; s++) {
    (adam as unknown as { learningRate: number }).learningRate = lr0 / (s + 1);
    tf.tidy(() => adam.applyGradients([{ name: wRef.name, tensor: tf.tensor1d(grads[s]) }]));
  }
  const moments = (adam as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[] })
    .accumulatedFirstMoment[0].variable;
  const seconds = (adam as unknown as { accumulatedSecondMoment: { variable: tf.Variable }[] })
    .accumulatedSecondMoment[0].variable;
  const ref = {
    w: wRef.dataSync().slice(),
    m: moments.dataSync().slice(),
    v: seconds.dataSync().slice(),
  };
  // the kernel
  let w: tf.Tensor = tf.tensor1d(w0);
  let m: tf.Tensor = tf.zeros([size]);
  let v: tf.Tensor = tf.zeros([size]);
  let acc1 = f(1);
  let acc2 = f(1);
  acc1 = f(acc1 * f(beta1));
  acc2 = f(acc2 * f(beta2));
  for (let s = 0; s < steps; s++) {
    const g = tf.tensor1d(grads[s]);
    const attrs = {
      b1: f(beta1),
      c1: f(1 - beta1),
      b2: f(beta2),
      c2: f(1 - beta2),
      d1: f(1 - acc1),
      d2: f(1 - acc2),
      eps: f(eps),
      negLr: f(-(lr0 / (s + 1))),
    };
    const out = tf.engine().runKernel(ADAM_UPDATE_KERNEL, { w, m, v, g }, attrs) as tf.Tensor[];
    tf.dispose([w, m, v, g]);
    [w, m, v] = out;
    acc1 = f(acc1 * f(beta1));
    acc2 = f(acc2 * f(beta2));
  }
  const ours = { w: w.dataSync().slice(), m: m.dataSync().slice(), v: v.dataSync().slice() };
  tf.dispose([w, m, v, wRef]);
  adam.dispose();
  return { ref, ours };
}

describe(`${ADAM_UPDATE_KERNEL} (wasm)`, () => {
  for (const native of linuxX64 ? [true, false] : [false]) {
    for (const size of [1, 7, 1000, 33_333]) {
      it(`${native ? 'native' : 'JS loop'}: bit-identical to tfjs's Adam over 6 steps, ${size} elements, no leak`, () => {
        tf.env().set(NATIVE_CONV_FLAG, native);
        const before = tf.memory().numTensors;
        const ran = nativeStats.adam;
        const { ref, ours } = run(size, 6, size);
        expect(nativeStats.adam - ran).toBe(native ? 6 : 0);
        expect(ours.w).toEqual(ref.w);
        expect(ours.m).toEqual(ref.m);
        expect(ours.v).toEqual(ref.v);
        expect(ref.w.some((x, i) => x !== randomValues(size, size)[i])).toBe(true);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  for (const native of linuxX64 ? [true, false] : [false]) {
    it(`${native ? 'native' : 'JS loop'}: bit-identical to tfjs's Adam with subnormal gradients and moments`, () => {
      tf.env().set(NATIVE_CONV_FLAG, native);
      const size = 4099;
      const { ref, ours } = run(size, 6, 77, true);
      const subnormal = (x: number) => x !== 0 && Math.abs(x) < 2 ** -126;
      expect(ref.m.filter(subnormal).length).toBeGreaterThan(size / 4);
      expect(ref.v.some((x) => x === 0)).toBe(true);
      expect(ours.w).toEqual(ref.w);
      expect(ours.m).toEqual(ref.m);
      expect(ours.v).toEqual(ref.v);
    });
  }

  it('refuses inputs of other dtypes or sizes', () => {
    const w = tf.zeros([4]);
    const m = tf.zeros([4]);
    const v = tf.zeros([3]);
    const g = tf.zeros([4], 'int32');
    const attrs = {
      b1: 0.9,
      c1: 0.1,
      b2: 0.999,
      c2: 0.001,
      d1: 0.1,
      d2: 0.001,
      eps: 1e-7,
      negLr: -1e-3,
    };
    expect(() => tf.engine().runKernel(ADAM_UPDATE_KERNEL, { w, m, v, g: w }, attrs)).toThrow(
      /float32 of 4 elements/,
    );
    expect(() => tf.engine().runKernel(ADAM_UPDATE_KERNEL, { w, m, v: w, g }, attrs)).toThrow(
      /float32 of 4 elements/,
    );
    tf.dispose([w, m, v, g]);
  });
});
