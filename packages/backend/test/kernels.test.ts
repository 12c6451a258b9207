import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../src/conv-geometry.js';
import { registerTrainingKernels, trainingKernelNames } from '../src/index.js';
import { CONV_GRID, type ConvCase, type Pad } from './conv-cases.js';
import {
  type HostTensor,
  host,
  maxRelativeError,
  runKernel,
  setupBackends,
  yieldToEventLoop,
} from './helpers.js';

afterEach(yieldToEventLoop);

// The stock cpu kernels are the reference; capture them before ours replace them.
const names = [
  'Conv2D',
  'DepthwiseConv2dNative',
  'MaxPool',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'AvgPool',
  'ResizeNearestNeighbor',
  'Tile',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Sum',
  'Mean',
];
const stock = new Map<string, KernelConfig>(names.map((n) => [n, tf.getKernel(n, 'cpu')!]));

let cpu: KernelBackend;
let wasm: KernelBackend;

beforeAll(async () => {
  ({ cpu, wasm } = await setupBackends());
  registerTrainingKernels();
});

function ours(name: string, backend: 'cpu' | 'wasm'): KernelConfig {
  const config = tf.getKernel(name, backend);
  expect(config).toBeDefined();
  expect(config).not.toBe(stock.get(name));
  return config!;
}

/** Runs kernel `name` with our implementation on `backend` and the stock cpu one; compares. */
function compare(
  name: string,
  backend: 'cpu' | 'wasm',
  inputs: Record<string, HostTensor>,
  attrs: object,
): void {
  const reference = runKernel(cpu, stock.get(name)!, inputs, attrs);
  const result = runKernel(backend === 'cpu' ? cpu : wasm, ours(name, backend), inputs, attrs);
  expect(result.shape).toEqual(reference.shape);
  expect(result.leaked).toBe(0);
  expect(maxRelativeError(result.values, reference.values)).toBeLessThan(1e-4);
  // Something non-trivial was compared.
  expect(reference.values.some((v) => v !== 0)).toBe(true);
}

const convCases = CONV_GRID;

function label(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : 'explicit';
  return `x ${c.x} filter ${c.f} stride ${c.strides} ${pad} dilation ${c.dilations ?? 1} ${c.dataFormat ?? 'NHWC'}`;
}

function outShape(c: ConvCase, depthwise: boolean): number[] {
  const info = convGeometry(
    c.x,
    c.f,
    c.strides,
    c.dilations ?? 1,
    c.pad,
    undefined,
    depthwise,
    c.dataFormat,
  );
  return info.outShape;
}

describe('Conv2DBackpropFilter', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [i, c] of convCases.entries()) {
      it(`${backend}: ${label(c)}`, () => {
        const dy = outShape(c, false);
        compare(
          'Conv2DBackpropFilter',
          backend,
          { x: host(c.x, 10 + i), dy: host(dy, 20 + i) },
          { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', filterShape: c.f },
        );
      });
    }
  }
  it('wasm: large input processed in several chunks', () => {
    const c: ConvCase = { x: [2, 128, 128, 16], f: [3, 3, 16, 1], strides: 1, pad: 'same' };
    compare(
      'Conv2DBackpropFilter',
      'wasm',
      { x: host(c.x, 1), dy: host(outShape(c, false), 2) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: c.f },
    );
  });
});

describe('Conv2DBackpropInput (wasm)', () => {
  for (const [i, c] of convCases.entries()) {
    it(label(c), () => {
      const dy = outShape(c, false);
      compare(
        'Conv2DBackpropInput',
        'wasm',
        { dy: host(dy, 30 + i), filter: host(c.f, 40 + i) },
        { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', inputShape: c.x },
      );
    });
  }
  it('large stride-2 input processed in several chunks', () => {
    const c: ConvCase = { x: [2, 128, 128, 32], f: [5, 5, 32, 1], strides: 2, pad: 'same' };
    compare(
      'Conv2DBackpropInput',
      'wasm',
      { dy: host(outShape(c, false), 3), filter: host(c.f, 4) },
      { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: c.x },
    );
  });
});

const depthwiseCases: ConvCase[] = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 4], f: [5, 5, 4, 2], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 2], f: [1, 1, 2, 3], strides: 2, pad: 'valid' },
  { x: [1, 11, 11, 4], f: [3, 3, 4, 1], strides: 2, pad: 'valid' },
  { x: [2, 9, 10, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same', dilations: 2 },
  { x: [1, 13, 12, 2], f: [3, 3, 2, 1], strides: 1, pad: 'valid', dilations: 2 },
  { x: [1, 12, 12, 2], f: [5, 5, 2, 1], strides: 1, pad: 'same', dilations: 2 },
];

/**
 * Reference gradient of a forward kernel that is linear in input `wrt` (shape `shape`), built
 * from the stock cpu forward kernel: element i is sum(dy * forward(basis_i)).
 */
function adjointReference(
  forward: string,
  wrt: string,
  shape: number[],
  others: Record<string, HostTensor>,
  attrs: object,
  dy: HostTensor,
): Float32Array {
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const basis = new Float32Array(size);
    basis[i] = 1;
    const e: HostTensor = { values: basis, shape, dtype: 'float32' };
    const y = runKernel(cpu, stock.get(forward)!, { ...others, [wrt]: e }, attrs);
    let s = 0;
    for (let j = 0; j < y.values.length; j++) s += y.values[j] * dy.values[j];
    out[i] = s;
  }
  return out;
}

/**
 * Reference for a gradient of the (linear) depthwise convolution built from the stock cpu
 * forward kernel, which honours dilations (the stock cpu gradient kernels ignore them):
 * element i of the gradient is sum(dy * forward(basis_i)).
 */
function depthwiseReferenceByBasis(
  c: ConvCase,
  dy: HostTensor,
  other: HostTensor,
  wrt: 'x' | 'filter',
): Float32Array {
  const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1 };
  const shape = wrt === 'x' ? c.x : c.f;
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const basis = new Float32Array(size);
    basis[i] = 1;
    const e: HostTensor = { values: basis, shape, dtype: 'float32' };
    const inputs = wrt === 'x' ? { x: e, filter: other } : { x: other, filter: e };
    const y = runKernel(cpu, stock.get('DepthwiseConv2dNative')!, inputs, attrs);
    let s = 0;
    for (let j = 0; j < y.values.length; j++) s += y.values[j] * dy.values[j];
    out[i] = s;
  }
  return out;
}

describe('DepthwiseConv2dNativeBackpropFilter / BackpropInput', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [i, c] of depthwiseCases.entries()) {
      const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? 1 };
      if ((c.dilations ?? 1) > 1) {
        it(`${backend} filter and input: ${label(c)} (reference from the forward kernel)`, () => {
          const dy = host(outShape(c, true), 60 + i);
          const x = host(c.x, 50 + i);
          const filter = host(c.f, 80 + i);
          const dW = runKernel(
            backend === 'cpu' ? cpu : wasm,
            ours('DepthwiseConv2dNativeBackpropFilter', backend),
            { x, dy },
            { ...attrs, filterShape: c.f },
          );
          expect(dW.leaked).toBe(0);
          expect(
            maxRelativeError(dW.values, depthwiseReferenceByBasis(c, dy, x, 'filter')),
          ).toBeLessThan(1e-4);
          const dx = runKernel(
            backend === 'cpu' ? cpu : wasm,
            ours('DepthwiseConv2dNativeBackpropInput', backend),
            { dy, filter },
            { ...attrs, inputShape: c.x },
          );
          expect(dx.leaked).toBe(0);
          expect(
            maxRelativeError(dx.values, depthwiseReferenceByBasis(c, dy, filter, 'x')),
          ).toBeLessThan(1e-4);
        });
        continue;
      }
      it(`${backend} filter: ${label(c)}`, () => {
        compare(
          'DepthwiseConv2dNativeBackpropFilter',
          backend,
          { x: host(c.x, 50 + i), dy: host(outShape(c, true), 60 + i) },
          { ...attrs, filterShape: c.f },
        );
      });
      it(`${backend} input: ${label(c)}`, () => {
        compare(
          'DepthwiseConv2dNativeBackpropInput',
          backend,
          { dy: host(outShape(c, true), 70 + i), filter: host(c.f, 80 + i) },
          { ...attrs, inputShape: c.x },
        );
      });
    }
  }
});

describe('UnsortedSegmentSum', () => {
  const ids = (values: number[]): HostTensor => ({
    values: Int32Array.from(values),
    shape: [values.length],
    dtype: 'int32',
  });
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: rows of a rank-3 tensor, repeated and missing ids`, () => {
      compare(
        'UnsortedSegmentSum',
        backend,
        { x: host([6, 3, 2], 5), segmentIds: ids([0, 2, 2, 4, 0, 2]) },
        { numSegments: 5 },
      );
    });
    it(`${backend}: a vector, batch of 1`, () => {
      compare(
        'UnsortedSegmentSum',
        backend,
        { x: host([1], 6), segmentIds: ids([1]) },
        { numSegments: 3 },
      );
    });
    it(`${backend}: the gradient shape of gather over 7 rows`, () => {
      compare(
        'UnsortedSegmentSum',
        backend,
        { x: host([9, 5], 7), segmentIds: ids([6, 0, 3, 3, 1, 6, 2, 5, 4]) },
        { numSegments: 7 },
      );
    });
  }
});

describe('MaxPoolGrad / AvgPoolGrad', () => {
  const poolCases: {
    x: [number, number, number, number];
    size: number;
    strides: number;
    pad: Pad;
  }[] = [
    { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { x: [1, 9, 7, 4], size: 3, strides: 2, pad: 'same' },
    { x: [2, 7, 7, 2], size: 3, strides: 1, pad: 'same' },
    { x: [1, 11, 9, 3], size: 5, strides: 2, pad: 'valid' },
    { x: [1, 6, 5, 2], size: 2, strides: 2, pad: 'same' },
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [i, c] of poolCases.entries()) {
      const attrs = { filterSize: c.size, strides: c.strides, pad: c.pad };
      const name = `x ${c.x} size ${c.size} stride ${c.strides} ${c.pad}`;
      it(`${backend} MaxPoolGrad ${name}`, () => {
        const x = host(c.x, 90 + i);
        const y = runKernel(cpu, stock.get('MaxPool')!, { x }, attrs);
        const output: HostTensor = { values: y.values, shape: y.shape, dtype: 'float32' };
        compare('MaxPoolGrad', backend, { dy: host(y.shape, 95 + i), input: x, output }, attrs);
      });
      it(`${backend} AvgPoolGrad ${name} (adjoint of the stock cpu avgPool)`, () => {
        const x = host(c.x, 98 + i);
        const yShape = runKernel(cpu, stock.get('AvgPool')!, { x }, attrs).shape;
        const dy = host(yShape, 99 + i);
        const result = runKernel(
          backend === 'cpu' ? cpu : wasm,
          ours('AvgPoolGrad', backend),
          { dy, input: x },
          attrs,
        );
        expect(result.leaked).toBe(0);
        const reference = adjointReference('AvgPool', 'x', c.x, {}, attrs, dy);
        expect(maxRelativeError(result.values, reference)).toBeLessThan(1e-4);
      });
    }
  }
});

describe('ResizeNearestNeighborGrad (adjoint of the stock cpu resizeNearestNeighbor)', () => {
  const cases: { x: number[]; size: [number, number]; alignCorners: boolean; half: boolean }[] = [
    { x: [2, 4, 4, 3], size: [8, 8], alignCorners: false, half: false },
    { x: [1, 5, 3, 2], size: [10, 6], alignCorners: false, half: true },
    { x: [1, 5, 7, 2], size: [9, 4], alignCorners: true, half: false },
    { x: [2, 6, 6, 1], size: [3, 4], alignCorners: false, half: true },
    { x: [1, 1, 1, 3], size: [2, 2], alignCorners: false, half: false },
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [i, c] of cases.entries()) {
      it(`${backend}: x ${c.x} to ${c.size} alignCorners ${c.alignCorners} halfPixelCenters ${c.half}`, () => {
        const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.half, size: c.size };
        const images = host(c.x, 110 + i);
        const dy = host([c.x[0], c.size[0], c.size[1], c.x[3]], 120 + i);
        const result = runKernel(
          backend === 'cpu' ? cpu : wasm,
          ours('ResizeNearestNeighborGrad', backend),
          { images, dy },
          attrs,
        );
        expect(result.leaked).toBe(0);
        expect(result.shape).toEqual(c.x);
        const reference = adjointReference('ResizeNearestNeighbor', 'images', c.x, {}, attrs, dy);
        expect(maxRelativeError(result.values, reference)).toBeLessThan(1e-4);
      });
    }
  }
});

describe('Tile (wasm)', () => {
  const cases: { shape: number[]; reps: number[]; dtype: 'float32' | 'int32' | 'bool' }[] = [
    { shape: [1, 1, 1, 16], reps: [32, 13, 13, 1], dtype: 'float32' },
    { shape: [3, 2], reps: [2, 5], dtype: 'float32' },
    { shape: [5], reps: [1], dtype: 'float32' },
    { shape: [2, 3, 4], reps: [1, 3, 1], dtype: 'int32' },
    { shape: [4, 1, 40], reps: [2, 3, 2], dtype: 'float32' },
    { shape: [2, 2], reps: [3, 1], dtype: 'bool' },
  ];
  for (const [i, c] of cases.entries()) {
    it(`shape ${c.shape} reps ${c.reps} ${c.dtype}`, () => {
      const base = host(c.shape, 130 + i);
      const values =
        c.dtype === 'float32'
          ? base.values
          : c.dtype === 'int32'
            ? Int32Array.from(base.values, (v) => Math.round(v * 100))
            : Uint8Array.from(base.values, (v) => (v > 0 ? 1 : 0));
      const x = { values, shape: c.shape, dtype: c.dtype } as unknown as HostTensor;
      const attrs = { reps: c.reps };
      const reference = runKernel(cpu, stock.get('Tile')!, { x }, attrs);
      const result = runKernel(wasm, ours('Tile', 'wasm'), { x }, attrs);
      expect(result.leaked).toBe(0);
      expect(result.shape).toEqual(reference.shape);
      expect(Array.from(result.values)).toEqual(Array.from(reference.values));
    });
  }
});

describe('cpu Add / Sub / Multiply with broadcasting, Sum', () => {
  const pairs: [number[], number[]][] = [
    [
      [2, 3, 4],
      [2, 3, 4],
    ],
    [[2, 3, 4], [4]],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [[], [2, 3]],
    [
      [5, 1, 1, 3],
      [1, 4, 6, 1],
    ],
    [
      [32, 13, 13, 16],
      [1, 1, 1, 16],
    ],
    [[1], [7]],
  ];
  for (const name of ['Add', 'Sub', 'Multiply', 'RealDiv']) {
    for (const [i, [a, b]] of pairs.entries()) {
      it(`${name} [${a}] and [${b}]`, () => {
        compare(name, 'cpu', { a: host(a, 140 + i), b: host(b, 150 + i) }, {});
        compare(name, 'cpu', { a: host(b, 160 + i), b: host(a, 170 + i) }, {});
      });
    }
    it(`${name} int32 delegates to the stock kernel`, () => {
      const a: HostTensor = { values: Int32Array.from([1, -2, 3]), shape: [3], dtype: 'int32' };
      const b: HostTensor = { values: Int32Array.from([4]), shape: [1], dtype: 'int32' };
      const reference = runKernel(cpu, stock.get(name)!, { a, b }, {});
      const result = runKernel(cpu, ours(name, 'cpu'), { a, b }, {});
      expect(result.leaked).toBe(0);
      expect(Array.from(result.values)).toEqual(Array.from(reference.values));
      expect(result.values).toBeInstanceOf(Int32Array);
    });
  }
  const sums: { shape: number[]; axis: number | number[] | null; keepDims: boolean }[] = [
    { shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: false },
    { shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: true },
    { shape: [3, 5, 4, 6], axis: -1, keepDims: false },
    { shape: [3, 5, 4], axis: [0, 2], keepDims: true },
    { shape: [4, 7], axis: null, keepDims: false },
    { shape: [1], axis: 0, keepDims: false },
    { shape: [2, 3], axis: [], keepDims: false },
  ];
  for (const [i, c] of sums.entries()) {
    it(`Sum and Mean [${c.shape}] axis ${JSON.stringify(c.axis)} keepDims ${c.keepDims}`, () => {
      for (const name of ['Sum', 'Mean']) {
        compare(
          name,
          'cpu',
          { x: host(c.shape, 180 + i) },
          { axis: c.axis ?? undefined, keepDims: c.keepDims },
        );
      }
    });
  }
});

describe('registerTrainingKernels', () => {
  it('registers every listed kernel and is idempotent', () => {
    const before = trainingKernelNames();
    expect(before.wasm).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UnsortedSegmentSum',
      ]),
    );
    const configs = [
      ...before.wasm.map((n) => tf.getKernel(n, 'wasm')),
      ...before.cpu.map((n) => tf.getKernel(n, 'cpu')),
    ];
    expect(configs.every((c) => c != null)).toBe(true);
    registerTrainingKernels();
    registerTrainingKernels();
    expect([
      ...before.wasm.map((n) => tf.getKernel(n, 'wasm')),
      ...before.cpu.map((n) => tf.getKernel(n, 'cpu')),
    ]).toEqual(configs);
  });
});
