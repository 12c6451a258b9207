// Our wasm Add / Sub / Multiply / RealDiv (one operand repeating along the other's leading
// axes), FusedBatchNorm and GatherV2 against the stock tfjs-backend-wasm kernels they replace:
// bit for bit, special values included, and no data left behind.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { simdStats } from '../src/kernels/simd/index.js';
import { repeatingOperand } from '../src/kernels/wasm-binary.js';
import { type HostTensor, host, runKernel, yieldToEventLoop } from './helpers.js';

afterEach(yieldToEventLoop);

const NAMES = ['Add', 'Sub', 'Multiply', 'RealDiv', 'FusedBatchNorm', 'GatherV2'] as const;
// the stock wasm kernels, captured before ours replace them
const stock = new Map<string, KernelConfig>(NAMES.map((n) => [n, tf.getKernel(n, 'wasm')!]));
let wasm: KernelBackend;

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  expect(await tf.setBackend('wasm')).toBe(true);
  wasm = tf.findBackend('wasm')!;
  registerTrainingKernels();
});

function ours(name: string): KernelConfig {
  const config = tf.getKernel(name, 'wasm')!;
  expect(config.kernelFunc).not.toBe(stock.get(name)!.kernelFunc);
  return config;
}

const bits = (v: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(v).buffer));

/** Random values with NaN, +-Infinity, -0, 0 and a subnormal mixed in. */
function special(shape: number[], seed: number): HostTensor {
  const t = host(shape, seed);
  const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e-40];
  for (let i = 0; i < t.values.length; i += 7) t.values[i] = odd[(i / 7) % odd.length];
  return t;
}

/** Runs ours and the stock kernel (on wasm, or cpu's); asserts equal bits, shapes, and no leaks. */
function same(
  name: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
  referenceBackend: 'wasm' | 'cpu' = 'wasm',
): void {
  const reference =
    referenceBackend === 'wasm'
      ? runKernel(wasm, stock.get(name)!, inputs, attrs)
      : runKernel(tf.findBackend('cpu')!, tf.getKernel(name, 'cpu')!, inputs, attrs);
  const result = runKernel(wasm, ours(name), inputs, attrs);
  expect(result.leaked).toBe(0);
  expect(result.shape).toEqual(reference.shape);
  expect(bits(result.values)).toEqual(bits(reference.values));
}

describe('repeatingOperand', () => {
  it('finds a bias-like operand and nothing else', () => {
    expect(repeatingOperand([32, 30, 30, 8], [8])).toEqual({ part: 'b', period: 8, rows: 28800 });
    expect(repeatingOperand([1, 1, 1, 16], [2, 3, 16])).toEqual({ part: 'a', period: 16, rows: 6 });
    expect(repeatingOperand([2, 3, 4], [3, 4])).toEqual({ part: 'b', period: 12, rows: 2 });
    expect(repeatingOperand([2, 3, 4], [2, 3, 4])).toBeNull();
    expect(repeatingOperand([2, 3, 4], [1])).toBeNull();
    expect(repeatingOperand([2, 3, 4], [3, 1])).toBeNull();
    expect(repeatingOperand([6, 1], [6, 7])).toBeNull();
    expect(repeatingOperand([0, 4], [4])).toBeNull();
  });
});

describe('wasm Add / Sub / Multiply / RealDiv with a repeating operand', () => {
  const pairs: [number[], number[]][] = [
    [[32, 30, 30, 8], [8]],
    [[16], [4, 5, 5, 16]],
    [
      [2, 3, 4, 5],
      [1, 1, 4, 5],
    ],
    [[7, 3], [3]],
    [[2], [9, 2]],
    [[11, 5], [5]],
    [[5, 6, 7], [7]],
  ];
  for (const name of ['Add', 'Sub', 'Multiply', 'RealDiv']) {
    for (const [i, [aShape, bShape]] of pairs.entries()) {
      it(`${name} ${JSON.stringify(aShape)} with ${JSON.stringify(bShape)}: bit-identical`, () => {
        const before = simdStats.binaryRepeat;
        same(name, { a: special(aShape, 10 + i), b: special(bShape, 40 + i) }, {});
        expect(simdStats.binaryRepeat).toBe(before + 1);
      });
    }
    it(`${name}: other broadcasts and equal shapes still run the stock kernel`, () => {
      const before = simdStats.binaryRepeat;
      same(name, { a: special([6, 1], 1), b: special([6, 7], 2) }, {});
      same(name, { a: special([4, 5], 3), b: special([4, 5], 4) }, {});
      same(name, { a: special([4, 5], 5), b: special([1], 6) }, {});
      expect(simdStats.binaryRepeat).toBe(before);
    });
  }
  it('int32 operands go to the stock kernel', () => {
    const a = { values: Int32Array.from([1, 2, 3, 4, 5, 6]), shape: [2, 3], dtype: 'int32' };
    const b = { values: Int32Array.from([7, 8, 9]), shape: [3], dtype: 'int32' };
    same('Add', { a, b } as unknown as Record<string, HostTensor>, {});
  });
});

describe('wasm FusedBatchNorm', () => {
  const positive = (shape: number[], seed: number): HostTensor => {
    const t = host(shape, seed);
    t.values = t.values.map((v) => Math.abs(v) + 0.01);
    return t;
  };
  const cases: { x: number[]; c: number; offset: boolean; scale: boolean }[] = [
    { x: [32, 13, 13, 16], c: 16, offset: true, scale: true },
    { x: [4, 6, 6, 5], c: 5, offset: false, scale: true },
    { x: [3, 7, 3], c: 3, offset: true, scale: false },
    { x: [9, 8], c: 8, offset: false, scale: false },
  ];
  for (const [i, k] of cases.entries()) {
    it(`x ${JSON.stringify(k.x)} offset ${k.offset} scale ${k.scale}: bit-identical`, () => {
      const inputs: Record<string, HostTensor> = {
        x: special(k.x, 70 + i),
        mean: host([k.c], 80 + i),
        variance: positive([k.c], 90 + i),
      };
      if (k.offset) inputs.offset = host([k.c], 100 + i);
      if (k.scale) inputs.scale = host([k.c], 110 + i);
      const before = simdStats.batchNorm;
      same('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
      expect(simdStats.batchNorm).toBe(before + 1);
    });
  }
  it('a scalar-sized parameter runs the stock kernel', () => {
    const before = simdStats.batchNorm;
    const inputs = { x: host([4, 6], 1), mean: host([1], 2), variance: positive([6], 3) };
    same('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
    expect(simdStats.batchNorm).toBe(before);
  });
});

describe('wasm GatherV2', () => {
  const indices = (values: number[], shape = [values.length]) =>
    ({ values: Int32Array.from(values), shape, dtype: 'int32' }) as unknown as HostTensor;
  const cases: { x: number[]; idx: HostTensor; axis: number; batchDims: number }[] = [
    { x: [64, 8, 8, 3], idx: indices([5, 0, 63, 5, 17]), axis: 0, batchDims: 0 },
    { x: [4, 6, 3], idx: indices([2, 2, 0, 5]), axis: 1, batchDims: 0 },
    { x: [4, 6, 3], idx: indices([1, 0, 2, 2, 1, 0], [2, 3]), axis: 2, batchDims: 0 },
    { x: [10], idx: indices([9, 0, 3]), axis: 0, batchDims: 0 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`x ${JSON.stringify(c.x)} axis ${c.axis} batchDims ${c.batchDims}: bit-identical`, () => {
      same('GatherV2', { x: special(c.x, 120 + i), indices: c.idx }, c);
    });
  }
  it('batchDims 1 equals the cpu kernel (the stock wasm kernel gets it wrong in tfjs 4.22)', () => {
    const x = special([3, 5, 20], 130);
    const idx = indices([4, 0, 1, 1, 3, 2], [3, 2]);
    same('GatherV2', { x, indices: idx }, { axis: 1, batchDims: 1 }, 'cpu');
    const wrong = runKernel(
      wasm,
      stock.get('GatherV2')!,
      { x, indices: idx },
      { axis: 1, batchDims: 1 },
    );
    const right = runKernel(
      tf.findBackend('cpu')!,
      tf.getKernel('GatherV2', 'cpu')!,
      { x, indices: idx },
      { axis: 1, batchDims: 1 },
    );
    expect(bits(wrong.values)).not.toEqual(bits(right.values));
  });
  it('int32 data and empty indices', () => {
    const x = {
      values: Int32Array.from({ length: 24 }, (_, i) => i * 3 - 7),
      shape: [4, 6],
      dtype: 'int32',
    };
    same('GatherV2', { x, indices: indices([3, 1]) } as never, { axis: 0, batchDims: 0 });
    same('GatherV2', { x, indices: indices([], [0]) } as never, { axis: 1, batchDims: 0 });
  });
  it('an index out of range throws tfjs’s error and leaves nothing behind', () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const high = tf.tensor1d([0, 2], 'int32');
    const low = tf.tensor1d([-1], 'int32');
    const before = wasm.numDataIds();
    expect(() => tf.gather(x, high)).toThrow('GatherV2: the index value 2 is not in [0, 1]');
    expect(() => tf.gather(x, low)).toThrow('GatherV2: the index value -1 is not in [0, 1]');
    expect(wasm.numDataIds()).toBe(before);
    tf.dispose([x, high, low]);
  });
});
