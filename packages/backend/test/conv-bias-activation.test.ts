import type { KernelBackend } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONV_BIAS_ACTIVATION_KERNEL, registerTrainingKernels } from '../src/index.js';
import { NATIVE_CONV_FLAG, nativeConvKernels, nativeStats } from '../src/kernels/native-conv.js';
import { loadNativeConvKernels } from '../src/native-loader.js';
import type { ConvCase } from './conv-cases.js';
import { type HostTensor, host, runKernel, setupBackends, yieldToEventLoop } from './helpers.js';

afterEach(() => {
  nativeConvKernels(); // registers the flag
  tf.env().set(NATIVE_CONV_FLAG, true);
  return yieldToEventLoop();
});

let backends: Record<'cpu' | 'wasm', KernelBackend>;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

beforeAll(async () => {
  backends = await setupBackends();
  registerTrainingKernels();
  loadNativeConvKernels();
});

type Activation = 'relu' | 'linear';

/** The reference: the backend's registered Conv2D, Add and Relu kernels, one after the other. */
function composition(
  name: 'cpu' | 'wasm',
  inputs: { x: HostTensor; filter: HostTensor; bias: HostTensor },
  c: ConvCase,
  activation: Activation,
): Float32Array {
  const b = backends[name];
  const kernel = (k: string) => tf.getKernel(k, name)!;
  const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
  const conv = runKernel(b, kernel('Conv2D'), { x: inputs.x, filter: inputs.filter }, attrs);
  const z = runKernel(
    b,
    kernel('Add'),
    { a: { values: conv.values, shape: conv.shape, dtype: 'float32' }, b: inputs.bias },
    {},
  );
  if (activation === 'linear') return z.values as Float32Array;
  const zt: HostTensor = { values: z.values, shape: z.shape, dtype: 'float32' };
  return runKernel(b, kernel('Relu'), { x: zt }, {}).values as Float32Array;
}

/** The first elements that differ, as text (NaN equals NaN; +0 and -0 differ). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length && out.length < 5; i++)
    if (!Object.is(a[i], b[i])) out.push(`${i}: ${a[i]} instead of ${b[i]}`);
  return out;
}

/** x, filter and bias of a case; `special` puts NaN, infinities and zeros into x and the bias. */
function inputsOf(c: ConvCase, seed: number, special: boolean) {
  const x = host(c.x, seed);
  const filter = host(c.f, seed + 1);
  const bias = host([c.f[3]], seed + 2);
  if (special) {
    // a NaN and infinities in x (infinity times a zero weight is a negative NaN on x86, which
    // the wasm relu maps to +0), a NaN and -0 in the bias, a filter column of zeros (its
    // outputs are +0 + bias), and a bias of 0 on it
    x.values[0] = Number.NaN;
    x.values[Math.floor(x.values.length / 2)] = Number.POSITIVE_INFINITY;
    x.values[x.values.length - 1] = Number.NEGATIVE_INFINITY;
    const oc = c.f[3];
    if (oc > 2) {
      for (let i = 1; i < filter.values.length; i += oc) filter.values[i] = 0;
      bias.values[1] = 0;
      bias.values[2] = -0;
    }
    if (oc > 3) bias.values[3] = Number.NaN;
  }
  return { x, filter, bias };
}

// the demo detector's blocks (batch 2), stride 2 and valid padding, output channels that are
// 8 modulo 16 (the AVX2 build on AVX-512) or not a multiple of 8 (partial vectors), 1x1 heads
const cases: ConvCase[] = [
  { x: [2, 96, 96, 3], f: [3, 3, 3, 16], strides: 2, pad: 'same' },
  { x: [2, 48, 48, 16], f: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { x: [2, 24, 24, 32], f: [3, 3, 32, 48], strides: 2, pad: 'same' },
  { x: [2, 12, 12, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [2, 24, 24, 32], f: [1, 1, 32, 3], strides: 1, pad: 'same' },
  { x: [3, 9, 11, 16], f: [3, 3, 16, 24], strides: 1, pad: 'same' },
  { x: [1, 10, 13, 5], f: [3, 3, 5, 7], strides: 2, pad: 'valid' },
  { x: [2, 9, 11, 20], f: [3, 3, 20, 70], strides: 1, pad: 'same' },
];

describe(`${CONV_BIAS_ACTIVATION_KERNEL} equals Conv2D, Add and Relu bit for bit`, () => {
  for (const name of ['wasm', 'cpu'] as const) {
    for (const [i, c] of cases.entries()) {
      for (const activation of ['relu', 'linear'] as const) {
        const special = i % 2 === 1;
        it(`${name}: x ${c.x} filter ${c.f} stride ${c.strides} ${c.pad} ${activation}${special ? ', NaN / Inf / zeros' : ''}`, () => {
          const inputs = inputsOf(c, 700 + 3 * i, special);
          const expected = composition(name, inputs, c, activation);
          const before = nativeStats.fused;
          const ours = runKernel(
            backends[name],
            tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, name)!,
            inputs,
            {
              strides: c.strides,
              pad: c.pad,
              activation,
            },
          );
          expect(ours.leaked).toBe(0);
          expect(ours.values.length).toBe(expected.length);
          expect(differences(ours.values, expected)).toEqual([]);
          // the cases check something: relu zeros some outputs, and the values are not all equal
          if (activation === 'relu') expect(expected.some((v) => Object.is(v, 0))).toBe(true);
          expect(new Set(expected).size).toBeGreaterThan(10);
          if (special) expect(expected.some((v) => Number.isNaN(v))).toBe(true);
          const native = name === 'wasm' && linuxX64 && nativeConvKernels() != null;
          expect(nativeStats.fused - before).toBe(native ? 1 : 0);
        });
      }
    }
  }

  it('wasm without the native kernels: the three kernels themselves (the same bits)', () => {
    tf.env().set(NATIVE_CONV_FLAG, false);
    for (const [i, c] of cases.slice(0, 4).entries()) {
      const inputs = inputsOf(c, 800 + i, i === 1);
      const expected = composition('wasm', inputs, c, 'relu');
      const before = { fused: nativeStats.fused, forward: nativeStats.forward };
      const ours = runKernel(
        backends.wasm,
        tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, 'wasm')!,
        inputs,
        { strides: c.strides, pad: c.pad, activation: 'relu' },
      );
      expect(ours.leaked).toBe(0);
      expect(differences(ours.values, expected)).toEqual([]);
      expect(nativeStats.fused - before.fused).toBe(0);
      expect(nativeStats.forward - before.forward).toBe(0);
    }
  });

  it('through tf.engine().runKernel: no tensor is left behind', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(host([2, 8, 8, 4], 1).values, [2, 8, 8, 4]);
    const w = tf.tensor4d(host([3, 3, 4, 8], 2).values, [3, 3, 4, 8]);
    const b = tf.tensor1d(host([8], 3).values);
    const tensors = tf.memory().numTensors;
    const ids = backends.wasm.numDataIds();
    for (const activation of ['relu', 'linear']) {
      const y = tf
        .engine()
        .runKernel(
          CONV_BIAS_ACTIVATION_KERNEL,
          { x, filter: w, bias: b },
          { strides: 1, pad: 'same', activation },
        ) as tf.Tensor;
      expect(y.shape).toEqual([2, 8, 8, 8]);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backends.wasm.numDataIds()).toBe(ids);
    tf.dispose([x, w, b]);
  });

  it('rejects a bias of the wrong size, non-float32 inputs and an unknown activation', () => {
    const c: ConvCase = { x: [1, 4, 4, 2], f: [3, 3, 2, 3], strides: 1, pad: 'same' };
    const good = inputsOf(c, 5, false);
    const run = (inputs: Record<string, HostTensor>, activation = 'relu') =>
      runKernel(backends.wasm, tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, 'wasm')!, inputs, {
        strides: 1,
        pad: 'same',
        activation,
      });
    expect(() => run({ ...good, bias: host([4], 1) })).toThrow(/bias must be \[3\].*got \[4\]/);
    const ints: HostTensor = { values: new Int32Array(32), shape: c.x, dtype: 'int32' };
    expect(() => run({ ...good, x: ints })).toThrow(/must be float32/);
    expect(() => run(good, 'elu')).toThrow(/activation must be 'relu' or 'linear', got elu/);
  });
});

describe.runIf(linuxX64)('native conv2dBiasActivation: the addon itself', () => {
  it('refuses a bias outside the heap and a relu flag other than 0 or 1', () => {
    const load = loadNativeConvKernels();
    if (!load.ok) throw new Error(`native kernels not loaded: ${load.reason}`);
    const k = load.kernels;
    const heap = new ArrayBuffer(4096);
    const g = [1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(() => k.conv2dBiasActivation(heap, 0, 128, 512, ...g, 4090, 1)).toThrow(
      /bias lies outside the heap/,
    );
    expect(() => k.conv2dBiasActivation(heap, 0, 128, 512, ...g, 1024, 2)).toThrow(
      /relu must be 0 or 1/,
    );
    expect(() => k.conv2dBiasActivation(heap, 0, 128, 512, ...g)).toThrow(/expected 21 arguments/);
    // a valid call: bias -1 (none) and relu 1 leaves no negative output
    const f = new Float32Array(heap);
    for (let i = 0; i < 32 + 54; i++) f[i] = Math.sin(i * 1.7);
    k.conv2dBiasActivation(heap, 0, 128, 512, ...g, -1, 1);
    const y = f.subarray(128, 128 + 48);
    expect(y.every((v) => v >= 0)).toBe(true);
    expect(y.some((v) => v > 0)).toBe(true);
  });
});
