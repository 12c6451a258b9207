// Our wasm Add / Sub / Multiply / RealDiv (one operand repeating along the other's leading
// axes), FusedBatchNorm, GatherV2, Slice, SplitV and Concat against the stock tfjs-backend-wasm
// kernels they replace: bit for bit, special values included, and no data left behind.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { collapseBox } from '../src/kernels/copy-region.js';
import { simdStats } from '../src/kernels/simd/index.js';
import { repeatingOperand } from '../src/kernels/wasm-binary.js';
import { type HostTensor, host, runKernel, yieldToEventLoop } from './helpers.js';

afterEach(yieldToEventLoop);

const NAMES = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'FusedBatchNorm',
  'GatherV2',
  'Slice',
  'SplitV',
  'Concat',
] as const;
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

/**
 * Runs `config` on wasm with `inputs` (a list: Concat; else named) written in; returns every
 * output's shape and bits and how many data ids were left behind.
 */
function runMany(
  config: KernelConfig,
  inputs: HostTensor[] | Record<string, HostTensor>,
  attrs: object,
) {
  const before = wasm.numDataIds();
  const write = (t: HostTensor) => ({
    dataId: wasm.write(t.values.slice(), t.shape, t.dtype),
    shape: t.shape,
    dtype: t.dtype,
  });
  const infos = Array.isArray(inputs)
    ? inputs.map(write)
    : Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, write(t)]));
  const result = config.kernelFunc({ inputs: infos, backend: wasm, attrs } as never);
  const outs = (Array.isArray(result) ? result : [result]) as tf.TensorInfo[];
  const read = outs.map((o) => ({
    shape: o.shape.slice(),
    bits: ((v) => (v instanceof Float32Array ? bits(v) : Array.from(v)))(
      wasm.readSync(o.dataId) as Float32Array | Int32Array | Uint8Array,
    ),
  }));
  for (const o of outs) wasm.disposeData(o.dataId);
  for (const i of Object.values(infos)) wasm.disposeData(i.dataId);
  return { read, leaked: wasm.numDataIds() - before };
}

function sameMany(name: string, inputs: HostTensor[] | Record<string, HostTensor>, attrs: object) {
  const reference = runMany(stock.get(name)!, inputs, attrs);
  const result = runMany(ours(name), inputs, attrs);
  expect(result.leaked).toBe(0);
  expect(result.read).toEqual(reference.read);
}

describe('collapseBox', () => {
  it('merges axes contiguous on both sides and drops size-1 axes', () => {
    // a channel slice of NHWC: N, H, W merge; C stays
    expect(collapseBox([2, 3, 4, 5], [3 * 4 * 8, 4 * 8, 8, 1], [60, 20, 5, 1])).toEqual({
      size: [24, 5],
      src: [8, 1],
      dst: [5, 1],
    });
    expect(collapseBox([1, 6, 1], [6, 1, 1], [6, 1, 1])).toEqual({ size: [6], src: [1], dst: [1] });
  });
});

describe('wasm Slice / SplitV / Concat', () => {
  const int = (shape: number[], seed: number): HostTensor => ({
    values: Int32Array.from(host(shape, seed).values, (v) => Math.round(v * 1000)),
    shape,
    dtype: 'int32',
  });
  const slices: { x: number[]; begin: number[]; size: number[] }[] = [
    { x: [8, 6, 6, 12], begin: [0, 0, 0, 4], size: [8, 6, 6, 5] },
    { x: [8, 6, 6, 12], begin: [2, 1, 0, 0], size: [3, 4, 6, 12] },
    { x: [3, 4, 5, 6, 7], begin: [1, 1, 2, 3, 4], size: [2, 2, 2, 2, 3] },
    { x: [3, 4, 5, 6, 7], begin: [0, 3, 0, 0, 6], size: [3, 1, 5, 6, 1] },
    { x: [10], begin: [3], size: [-1] },
    { x: [4, 4], begin: [2, 1], size: [1, 1] },
  ];
  for (const [i, c] of slices.entries()) {
    it(`Slice ${JSON.stringify(c)}: bit-identical (float32 and int32)`, () => {
      const before = simdStats.copyBlocks;
      sameMany('Slice', { x: special(c.x, 200 + i) }, { begin: c.begin, size: c.size });
      sameMany('Slice', { x: int(c.x, 210 + i) }, { begin: c.begin, size: c.size });
      expect(simdStats.copyBlocks).toBe(before + 2);
    });
  }
  it('Slice: empty and bool run the stock kernel', () => {
    const before = simdStats.copyBlocks;
    sameMany('Slice', { x: special([4, 5], 1) }, { begin: [1, 2], size: [0, 2] });
    const b = { values: Uint8Array.from([1, 0, 1, 1, 0, 0]), shape: [2, 3], dtype: 'bool' };
    sameMany('Slice', { x: b as unknown as HostTensor }, { begin: [0, 1], size: [2, 2] });
    expect(simdStats.copyBlocks).toBe(before);
  });
  const splits: { x: number[]; split: number[] | number; axis: number }[] = [
    { x: [8, 32, 32, 7], split: [3, 2, 2], axis: 3 },
    { x: [8, 6, 6, 96], split: [64, 32], axis: -1 },
    { x: [6, 5, 4], split: 3, axis: 0 },
    { x: [6, 5, 4], split: [1, -1, 2], axis: 1 },
  ];
  for (const [i, c] of splits.entries()) {
    it(`SplitV ${JSON.stringify(c)}: bit-identical`, () => {
      const before = simdStats.copyBlocks;
      sameMany('SplitV', { x: special(c.x, 220 + i) }, { numOrSizeSplits: c.split, axis: c.axis });
      expect(simdStats.copyBlocks).toBeGreaterThan(before);
    });
  }
  const concats: { shapes: number[][]; axis: number }[] = [
    {
      shapes: [
        [8, 12, 12, 64],
        [8, 12, 12, 32],
      ],
      axis: 3,
    },
    {
      shapes: [
        [2, 3, 4, 3],
        [2, 3, 4, 2],
        [2, 3, 4, 2],
      ],
      axis: -1,
    },
    {
      shapes: [
        [2, 3],
        [5, 3],
      ],
      axis: 0,
    },
    {
      shapes: [
        [2, 1, 4],
        [2, 6, 4],
        [2, 2, 4],
      ],
      axis: 1,
    },
  ];
  for (const [i, c] of concats.entries()) {
    it(`Concat ${JSON.stringify(c)}: bit-identical (float32 and int32)`, () => {
      const before = simdStats.copyBlocks;
      sameMany(
        'Concat',
        c.shapes.map((s, k) => special(s, 230 + 10 * i + k)),
        { axis: c.axis },
      );
      sameMany(
        'Concat',
        c.shapes.map((s, k) => int(s, 240 + 10 * i + k)),
        { axis: c.axis },
      );
      expect(simdStats.copyBlocks).toBe(before + 2);
    });
  }
  it('Concat: one input, an empty input and bool run the stock kernel', () => {
    const before = simdStats.copyBlocks;
    sameMany('Concat', [special([2, 3], 1)], { axis: 0 });
    sameMany('Concat', [special([2, 3], 2), special([0, 3], 3)], { axis: 0 });
    const b = {
      values: Uint8Array.from([1, 0, 1]),
      shape: [3],
      dtype: 'bool',
    } as unknown as HostTensor;
    sameMany('Concat', [b, b], { axis: 0 });
    expect(simdStats.copyBlocks).toBe(before);
  });
  it('through tf ops, with gradients, leaves no tensors behind', () => {
    const x = tf.randomUniform([4, 5, 5, 6]);
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) => {
      const [p, q] = tf.split(t, [4, 2], 3);
      return tf.sum(
        tf.mul(
          tf.concat(
            [
              q,
              p,
              tf.pad(tf.slice(t, [0, 1, 1, 0], [4, 3, 3, 6]), [
                [0, 0],
                [1, 1],
                [1, 1],
                [0, 0],
              ]),
            ],
            3,
          ),
          2,
        ),
      );
    })(x);
    expect(g.shape).toEqual([4, 5, 5, 6]);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
