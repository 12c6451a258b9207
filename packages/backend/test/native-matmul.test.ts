import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { NATIVE_CONV_FLAG, nativeConvKernels, nativeStats } from '../src/kernels/native-conv.js';
import { simdStats } from '../src/kernels/simd/index.js';
import { loadNativeConvKernels, type NativeLoad } from '../src/native-loader.js';
import {
  type HostTensor,
  host,
  maxRelativeError,
  runKernel,
  setupBackends,
  yieldToEventLoop,
} from './helpers.js';

// The stock cpu kernels are the reference; capture them before ours replace them.
const stockMatMul = tf.getKernel('BatchMatMul', 'cpu')!;
const stockFused = tf.getKernel('_FusedMatMul', 'cpu')!;

let cpu: KernelBackend;
let wasm: KernelBackend;
let native: NativeLoad;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

beforeAll(async () => {
  ({ cpu, wasm } = await setupBackends());
  registerTrainingKernels();
  native = loadNativeConvKernels();
});

afterEach(() => {
  nativeConvKernels(); // registers the flag
  tf.env().set(NATIVE_CONV_FLAG, true);
  if (native.ok) native.kernels.setThreads(1);
  return yieldToEventLoop();
});

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** Whether the native kernel takes it (else the stock wasm kernel runs). */
  native: boolean;
}

const c = (a: number[], b: number[], tA = false, tB = false, nat = true): Case => ({
  a,
  b,
  transposeA: tA,
  transposeB: tB,
  native: nat,
});

// Transposes, columns that are not a multiple of 8 or 16 (and 8 modulo 16: the AVX2 build),
// more than 48 columns (several register tiles), rows not a multiple of 8, one row or column,
// K = 1, long K, batches, one operand broadcast over the other's batch, and a broadcast that
// needs both operands repeated (stock).
const cases: Case[] = [
  c([5, 7], [7, 9]),
  c([7, 5], [7, 9], true),
  c([5, 7], [9, 7], false, true),
  c([7, 5], [9, 7], true, true),
  c([1, 64], [64, 100]),
  c([33, 1], [1, 24]),
  c([17, 300], [300, 8]),
  c([9, 40], [40, 56]),
  c([3, 4, 33], [33, 17]),
  c([2, 3, 40, 24], [2, 3, 24, 8]),
  c([4, 30, 70], [1, 70, 47], false, false),
  c([1, 30, 70], [4, 47, 70], false, true),
  c([3, 12, 10], [3, 12, 20], true, false),
  c([2, 1, 5, 6], [3, 6, 4], false, false, false),
];

function label(k: Case): string {
  return `a ${k.a}${k.transposeA ? ' (T)' : ''} x b ${k.b}${k.transposeB ? ' (T)' : ''}`;
}

function compare(
  stock: KernelConfig,
  inputs: Record<string, HostTensor>,
  attrs: object,
): { ran: number; values: Float32Array | Int32Array } {
  const kernelName = stock.kernelName;
  const expected = runKernel(cpu, stock, inputs, attrs);
  const before = nativeStats.matMul;
  const result = runKernel(wasm, tf.getKernel(kernelName, 'wasm')!, inputs, attrs);
  expect(result.shape).toEqual(expected.shape);
  expect(result.leaked).toBe(0);
  expect(expected.values.some((v) => v !== 0)).toBe(true);
  expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-5);
  return { ran: nativeStats.matMul - before, values: result.values };
}

describe.runIf(linuxX64)('native BatchMatMul vs stock cpu (1e-5)', () => {
  for (const [i, k] of cases.entries()) {
    it(`${label(k)}${k.native ? '' : ': the stock kernel'}`, () => {
      const inputs = { a: host(k.a, 10 + 2 * i), b: host(k.b, 11 + 2 * i) };
      const attrs = { transposeA: k.transposeA, transposeB: k.transposeB };
      expect(compare(stockMatMul, inputs, attrs).ran).toBe(k.native ? 1 : 0);
    });
  }

  it('gives the same bits on 1, 2, 3 and 7 threads', () => {
    const loaded = native;
    if (!loaded.ok) throw new Error(loaded.reason);
    const shapes: [number[], number[], boolean, boolean][] = [
      [[3, 37, 70], [70, 53], false, false],
      [[300, 70], [41, 300], true, true],
      [[1, 9], [9, 8], false, false],
    ];
    for (const [i, [a, b, transposeA, transposeB]] of shapes.entries()) {
      const inputs = { a: host(a, 70 + i), b: host(b, 80 + i) };
      const attrs = { transposeA, transposeB };
      const runs = [1, 2, 3, 7].map((threads) => {
        loaded.kernels.setThreads(threads);
        return runKernel(wasm, tf.getKernel('BatchMatMul', 'wasm')!, inputs, attrs).values;
      });
      for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
    }
  });

  it('propagates NaN and infinities to the rows and columns they touch, as the cpu kernel', () => {
    const a = host([6, 20], 3);
    const b = host([20, 18], 4);
    a.values[2 * 20 + 5] = Number.NaN; // row 2
    b.values[7 * 18 + 11] = Number.POSITIVE_INFINITY; // column 11 (NaN or +-inf there)
    const attrs = { transposeA: false, transposeB: false };
    const expected = runKernel(cpu, stockMatMul, { a, b }, attrs).values;
    const result = runKernel(wasm, tf.getKernel('BatchMatMul', 'wasm')!, { a, b }, attrs).values;
    for (let i = 0; i < expected.length; i++) {
      if (Number.isFinite(expected[i]))
        expect(Math.abs(result[i] - expected[i])).toBeLessThan(1e-4);
      else expect(result[i]).toBe(expected[i]);
    }
    expect(Array.from(result).filter(Number.isNaN).length).toBeGreaterThanOrEqual(18);
  });

  it('leaves int32 products and the switched-off flag to the stock kernel', () => {
    const before = nativeStats.matMul;
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const b = tf.tensor2d([7, 8, 9, 10, 11, 12], [3, 2], 'int32');
    // (tfjs-backend-wasm has no int32 product: its error, not ours, and no native run)
    expect(() => tf.matMul(a, b)).toThrow(/non-float32/);
    tf.env().set(NATIVE_CONV_FLAG, false);
    const inputs = { a: host([1, 4, 9], 1), b: host([1, 9, 5], 2) };
    compare(stockMatMul, inputs, { transposeA: false, transposeB: false });
    expect(nativeStats.matMul).toBe(before);
    tf.dispose([a, b]);
  });

  it('rejects tensors outside the heap and bad shapes in the addon itself', () => {
    const loaded = native;
    if (!loaded.ok) throw new Error(loaded.reason);
    const heap = new ArrayBuffer(4 * 40);
    const call =
      (...args: number[]) =>
      () =>
        loaded.kernels.batchMatMul(heap, ...args);
    expect(call(0, 64, 128, 1, 4, 4, 4, 1, 1, 0, 0)).toThrow(/a tensor lies outside the heap/);
    expect(call(0, 0, 0, 1, 0, 4, 4, 1, 1, 0, 0)).toThrow(/bad shape/);
    expect(call(0, 0, 0, 2, 2, 2, 2, 3, 1, 0, 0)).toThrow(/batchA and batchB must be 1 or batch/);
    expect(call(0, 0, 0, 1, 2, 2, 2, 1, 1, 2, 0)).toThrow(/bad shape/);
  });

  it('leaks no tensors through a dense layer and its gradients', () => {
    const x = tf.tensor2d(host([16, 24], 1).values, [16, 24]);
    const w = tf.variable(tf.tensor2d(host([24, 40], 2).values, [24, 40]));
    const bias = tf.variable(tf.tensor1d(host([40], 3).values));
    const before = tf.memory().numTensors;
    const ran = nativeStats.matMul;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(tf.fused.matMul({ a: x, b: w, bias, activation: 'relu' })),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(nativeStats.matMul - ran).toBeGreaterThanOrEqual(6);
    tf.dispose([x, w, bias]);
  });
});

describe.runIf(linuxX64)('native _FusedMatMul (product, then bias and relu) vs stock cpu', () => {
  const fused: { k: Case; bias: number[] | null; activation: string; native: boolean }[] = [
    { k: c([9, 20], [20, 30]), bias: [30], activation: 'relu', native: true },
    { k: c([20, 9], [30, 20], true, true), bias: [30], activation: 'linear', native: true },
    { k: c([2, 5, 20], [20, 24]), bias: [24], activation: 'linear', native: true },
    { k: c([9, 20], [20, 30]), bias: null, activation: 'relu', native: true },
    // (the ops hand the stock kernel rank-3 operands, which it assumes)
    { k: c([1, 9, 20], [1, 20, 30]), bias: [30], activation: 'elu', native: false },
    { k: c([1, 9, 20], [1, 20, 30]), bias: [30], activation: 'prelu', native: false },
  ];
  for (const [i, f] of fused.entries()) {
    it(`${label(f.k)}, bias ${f.bias ?? 'none'}, ${f.activation}${f.native ? '' : ': the stock kernel'}`, () => {
      const inputs: Record<string, HostTensor> = {
        a: host(f.k.a, 40 + 3 * i),
        b: host(f.k.b, 41 + 3 * i),
      };
      if (f.bias != null) inputs.bias = host(f.bias, 42 + 3 * i);
      if (f.activation === 'prelu') inputs.preluActivationWeights = host([30], 43 + 3 * i);
      const attrs = {
        transposeA: f.k.transposeA,
        transposeB: f.k.transposeB,
        activation: f.activation,
      };
      const { ran, values } = compare(stockFused, inputs, attrs);
      expect(ran).toBe(f.native ? 1 : 0);
      if (f.activation === 'relu') expect(values.some((v) => v === 0)).toBe(true);
    });
  }
});

describe.runIf(linuxX64)(
  'native _FusedMatMul relu: the bits of BatchMatMul, Add and Relu on wasm',
  () => {
    it('on NaNs of both signs (Inf x 0 included), infinities and negatives', () => {
      const bitsOf = (t: tf.Tensor) => new Uint32Array(new Float32Array(t.dataSync()).buffer);
      const f32 = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0];
      const K = 3;
      const N = 20;
      const a = Array.from(host([6, K], 90).values);
      a.splice(0, 3, f32(0x7fc00000), 1, 1); // +NaN
      a.splice(3, 3, f32(0xffc00001), 1, 1); // a negative NaN
      a.splice(6, 3, Infinity, 1, 1); // Inf x 0 (a negative NaN on x86), +-Inf
      a.splice(9, 3, -Infinity, 1, 1);
      const b = Array.from(host([K, N], 91).values);
      b[0] = 0;
      b[1] = -0.5;
      const bias = Array.from(host([N], 92).values);
      bias[5] = f32(0xffc00000);
      bias[6] = f32(0x7fc00000);
      bias[7] = -0;
      const tensorsBefore = tf.memory().numTensors;
      const [at, bt, biasT] = [tf.tensor2d(a, [6, K]), tf.tensor2d(b, [K, N]), tf.tensor1d(bias)];
      const before = { product: nativeStats.matMul, finish: simdStats.biasActivation };
      const fused = tf.fused.matMul({ a: at, b: bt, bias: biasT, activation: 'relu' });
      expect(nativeStats.matMul - before.product).toBe(1);
      expect(simdStats.biasActivation - before.finish).toBe(1);
      const product = tf.matMul(at, bt);
      const sum = tf.add(product, biasT);
      const composed = tf.relu(sum);
      const pre = bitsOf(sum);
      // the cases are there: NaNs of both signs before the relu, and +NaN, -Inf, negatives
      expect(pre.some((u) => (u & 0x7fffffff) > 0x7f800000 && u >>> 31 === 1)).toBe(true);
      expect(pre.some((u) => (u & 0x7fffffff) > 0x7f800000 && u >>> 31 === 0)).toBe(true);
      expect(pre.some((u) => u === 0xff800000)).toBe(true);
      expect(bitsOf(fused)).toEqual(bitsOf(composed));
      const out = bitsOf(fused);
      expect(out.some((u) => u === 0x7fc00000)).toBe(true); // +NaN stays
      expect(out.every((u) => u >>> 31 === 0)).toBe(true); // no sign bit survives
      tf.dispose([at, bt, biasT, fused, product, sum, composed]);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    });
  },
);
