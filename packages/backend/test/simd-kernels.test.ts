import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../src/conv-geometry.js';
import { registerTrainingKernels } from '../src/index.js';
import { maxPoolGradient } from '../src/kernels/pool-grad.js';
import { resizeNearestGradient } from '../src/kernels/resize-nearest-grad.js';
import {
  SIMD_CONV_GRADIENTS_FLAG,
  SIMD_KERNELS_FLAG,
  simdConvGradientsEnabled,
  simdStats,
} from '../src/kernels/simd/index.js';
import {
  CONV_GRID,
  type ConvCase,
  DEMO_FILTER_CASES as demoFilterCases,
  DEMO_INPUT_CASES as demoInputCases,
} from './conv-cases.js';
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
const stockFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
const stockInput = tf.getKernel('Conv2DBackpropInput', 'cpu')!;
const stockDepthwiseFilter = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'cpu')!;
const stockDepthwiseInput = tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'cpu')!;
const stockMaxPool = tf.getKernel('MaxPool', 'cpu')!;
const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'cpu')!;
const stockAvgPool = tf.getKernel('AvgPool', 'cpu')!;
const stockSum = tf.getKernel('Sum', 'cpu')!;
const stockMean = tf.getKernel('Mean', 'cpu')!;

let cpu: KernelBackend;
let wasm: KernelBackend;

beforeAll(async () => {
  ({ cpu, wasm } = await setupBackends());
  registerTrainingKernels();
  expect(simdConvGradientsEnabled()).toBe(true);
});

// The conv grid of kernels.test.ts, and remainders of the 4x8 register tiles and pixel chunks.
const gridCases: ConvCase[] = [
  ...CONV_GRID,
  { x: [1, 5, 5, 9], f: [3, 3, 9, 17], strides: 1, pad: 'same' },
  { x: [3, 17, 19, 7], f: [3, 3, 7, 9], strides: 2, pad: 'same' },
];

function label(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : 'explicit';
  return `x ${c.x} filter ${c.f} stride ${c.strides} ${pad} ${c.dataFormat ?? 'NHWC'}`;
}

function dyShape(c: ConvCase): number[] {
  return convGeometry(c.x, c.f, c.strides, 1, c.pad, undefined, false, c.dataFormat).outShape;
}

function filterArgs(c: ConvCase, seed: number) {
  return {
    inputs: { x: host(c.x, seed), dy: host(dyShape(c), seed + 1) },
    attrs: { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', filterShape: c.f },
  };
}

function inputArgs(c: ConvCase, seed: number) {
  return {
    inputs: { dy: host(dyShape(c), seed), filter: host(c.f, seed + 1) },
    attrs: { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC', inputShape: c.x },
  };
}

/** Runs ours on wasm and the stock kernel on cpu; compares; returns how often SIMD ran. */
function compare(
  name: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput',
  reference: KernelConfig,
  args: { inputs: Record<string, HostTensor>; attrs: object },
): number {
  const kind = name === 'Conv2DBackpropFilter' ? 'filter' : 'input';
  const expected = runKernel(cpu, reference, args.inputs, args.attrs);
  const before = simdStats[kind];
  const result = runKernel(wasm, tf.getKernel(name, 'wasm')!, args.inputs, args.attrs);
  expect(result.shape).toEqual(expected.shape);
  expect(result.leaked).toBe(0);
  expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
  expect(expected.values.some((v) => v !== 0)).toBe(true);
  return simdStats[kind] - before;
}

describe('SIMD Conv2DBackpropFilter (wasm) vs stock cpu', () => {
  for (const [i, c] of [...gridCases, ...demoFilterCases].entries()) {
    it(label(c), () => {
      const ran = compare('Conv2DBackpropFilter', stockFilter, filterArgs(c, 100 + 2 * i));
      expect(ran).toBe(c.dataFormat === 'NCHW' ? 0 : 1);
    });
  }
});

describe('SIMD Conv2DBackpropInput (wasm) vs stock cpu', () => {
  for (const [i, c] of [...gridCases, ...demoInputCases].entries()) {
    it(label(c), () => {
      const ran = compare('Conv2DBackpropInput', stockInput, inputArgs(c, 200 + 2 * i));
      expect(ran).toBe(c.dataFormat === 'NCHW' ? 0 : 1);
    });
  }
});

describe('SIMD kernels and tfjs memory', () => {
  interface Heap {
    HEAPU8: Uint8Array;
    _malloc(n: number): number;
  }

  /**
   * Runs a kernel through the tfjs engine and checks: no leaked tensors or wasm data ids; the
   * inputs and sentinel tensors allocated before are bit-identical afterwards; and the heap bytes
   * that changed outside the output and the blocks allocated during the call are only a few (the
   * allocator's and tfjs's tensor-map bookkeeping), not a stray write of kernel data.
   */
  function checkMemory(kernel: string, inputs: Record<string, HostTensor>, attrs: object): void {
    const backend = wasm as unknown as { wasm: Heap; getMemoryOffset(dataId: object): number };
    const module = backend.wasm;
    const sentinels = [1, 2, 3, 4].map((s) => tf.tensor(host([4096], s).values));
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, t]) => [k, tf.tensor(t.values, t.shape, 'float32')]),
    );
    const watched = [...sentinels, ...Object.values(tensors)];
    const bytes = (t: tf.Tensor) => {
      const offset = backend.getMemoryOffset((t as unknown as TensorInfo).dataId);
      return module.HEAPU8.slice(offset, offset + t.size * 4);
    };
    const watchedBefore = watched.map(bytes);
    const numTensors = tf.memory().numTensors;
    const numDataIds = wasm.numDataIds();
    const heapBefore = module.HEAPU8.slice();
    const malloc = module._malloc;
    const blocks: [number, number][] = [];
    module._malloc = (n: number) => {
      const p = malloc(n) >>> 0;
      blocks.push([p, n]);
      return p;
    };
    let out: tf.Tensor;
    try {
      out = tf.engine().runKernel(kernel, tensors, attrs as never) as tf.Tensor;
    } finally {
      module._malloc = malloc;
    }
    const heapAfter = module.HEAPU8;
    const inside = (i: number) => blocks.some(([p, n]) => i >= p && i < p + n);
    let changed = 0;
    for (let i = 0; i < heapBefore.length; i++) {
      if (heapBefore[i] !== heapAfter[i] && !inside(i)) changed++;
    }
    expect(changed).toBeLessThan(512);
    for (const [i, t] of watched.entries()) expect(bytes(t)).toEqual(watchedBefore[i]);
    // The output is one of the recorded blocks.
    const offset = backend.getMemoryOffset((out as unknown as TensorInfo).dataId);
    expect(blocks.some(([p]) => p === offset)).toBe(true);
    out.dispose();
    expect(tf.memory().numTensors).toBe(numTensors);
    expect(wasm.numDataIds()).toBe(numDataIds);
    for (const t of watched) t.dispose();
  }

  it('Conv2DBackpropFilter writes only its output and scratch, leaks nothing', () => {
    const before = simdStats.filter;
    const { inputs, attrs } = filterArgs(demoFilterCases[2]!, 7);
    checkMemory('Conv2DBackpropFilter', inputs, attrs);
    expect(simdStats.filter).toBe(before + 1);
  });

  it('Conv2DBackpropInput writes only its output and scratch, leaks nothing', () => {
    const before = simdStats.input;
    const { inputs, attrs } = inputArgs(demoInputCases[0]!, 9);
    checkMemory('Conv2DBackpropInput', inputs, attrs);
    expect(simdStats.input).toBe(before + 1);
  });

  it('MaxPoolGrad writes only its output, leaks nothing', () => {
    const before = simdStats.maxPoolGrad;
    const { inputs, attrs } = poolInputs(poolCases[7]!, 13);
    checkMemory('MaxPoolGrad', inputs, attrs);
    expect(simdStats.maxPoolGrad).toBe(before + 1);
  });

  it('ResizeNearestNeighborGrad writes only its output and index block, leaks nothing', () => {
    const before = simdStats.resizeNearestGrad;
    checkMemory(
      'ResizeNearestNeighborGrad',
      { images: host([2, 6, 6, 20], 31), dy: host([2, 12, 12, 20], 32) },
      { alignCorners: false, halfPixelCenters: false },
    );
    expect(simdStats.resizeNearestGrad).toBe(before + 1);
  });

  it('AvgPoolGrad and Sum / Mean write only their output and scratch, leak nothing', () => {
    const c = poolCases[5]!;
    const before = { ...simdStats };
    const yShape = runKernel(
      cpu,
      stockAvgPool,
      { x: host(c.x, 1) },
      { filterSize: 3, strides: 2, pad: 'same' },
    ).shape;
    checkMemory(
      'AvgPoolGrad',
      { dy: host(yShape, 3), input: host(c.x, 4) },
      { filterSize: 3, strides: 2, pad: 'same' },
    );
    checkMemory('Sum', { x: host(c.x, 5) }, { axis: [0, 1, 2], keepDims: false });
    checkMemory('Mean', { x: host(c.x, 6) }, { axis: [0, 1, 2], keepDims: true });
    expect(simdStats.avgPoolGrad).toBe(before.avgPoolGrad + 1);
    expect(simdStats.columnSum).toBe(before.columnSum + 2);
  });

  it(`${SIMD_KERNELS_FLAG} switches every SIMD kernel off; the conv flag only the conv gradients`, () => {
    const pool = poolInputs(poolCases[5]!, 21);
    const sumArgs = { x: host([4, 13, 13, 16], 22) };
    const sumAttrs = { axis: [0, 1, 2], keepDims: false };
    const runAll = () => {
      const before = { ...simdStats };
      compare('Conv2DBackpropFilter', stockFilter, filterArgs(gridCases[12]!, 23));
      const expectedPool = runKernel(cpu, stockMaxPoolGrad, pool.inputs, pool.attrs);
      const resultPool = runKernel(
        wasm,
        tf.getKernel('MaxPoolGrad', 'wasm')!,
        pool.inputs,
        pool.attrs,
      );
      expect(maxRelativeError(resultPool.values, expectedPool.values)).toBeLessThan(1e-4);
      const expectedSum = runKernel(cpu, stockSum, sumArgs, sumAttrs);
      const resultSum = runKernel(wasm, tf.getKernel('Sum', 'wasm')!, sumArgs, sumAttrs);
      expect(resultSum.leaked).toBe(0);
      expect(maxRelativeError(resultSum.values, expectedSum.values)).toBeLessThan(1e-5);
      return [
        simdStats.filter - before.filter,
        simdStats.maxPoolGrad - before.maxPoolGrad,
        simdStats.columnSum - before.columnSum,
      ];
    };
    expect(runAll()).toEqual([1, 1, 1]);
    tf.env().set(SIMD_KERNELS_FLAG, false);
    try {
      expect(runAll()).toEqual([0, 0, 0]);
    } finally {
      tf.env().set(SIMD_KERNELS_FLAG, true);
    }
    tf.env().set(SIMD_CONV_GRADIENTS_FLAG, false);
    try {
      expect(runAll()).toEqual([0, 1, 1]);
    } finally {
      tf.env().set(SIMD_CONV_GRADIENTS_FLAG, true);
    }
    expect(runAll()).toEqual([1, 1, 1]);
  });

  it('the tfjs flag switches the SIMD path off (JS fallback) and on', () => {
    const args = filterArgs(demoFilterCases[3]!, 11);
    tf.env().set(SIMD_CONV_GRADIENTS_FLAG, false);
    try {
      expect(compare('Conv2DBackpropFilter', stockFilter, args)).toBe(0);
      expect(compare('Conv2DBackpropInput', stockInput, inputArgs(demoInputCases[0]!, 3))).toBe(0);
    } finally {
      tf.env().set(SIMD_CONV_GRADIENTS_FLAG, true);
    }
    expect(compare('Conv2DBackpropFilter', stockFilter, args)).toBe(1);
  });
});

describe('SIMD module variants', () => {
  type Exports = {
    bpf_scratch_floats(FH: number, FW: number, IC: number, OC: number): number;
    conv2d_backprop_filter(...args: number[]): void;
  };
  interface Api {
    Memory: new (d: object) => { buffer: ArrayBufferLike };
    Module: new (bytes: Uint8Array) => object;
    Instance: new (m: object, imports: object) => { exports: unknown };
  }
  const api = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;

  /** Filter gradient of a small conv with one variant on a fresh memory of the given kind. */
  function filterGradient(base64: string, shared: boolean): Float32Array {
    const memory = new api.Memory({ initial: 64, maximum: 65536, shared });
    const module = new api.Module(Buffer.from(base64, 'base64'));
    const exports = new api.Instance(module, { env: { memory } }).exports as Exports;
    const [N, H, W, IC, OC, FH, FW, s] = [2, 9, 9, 5, 6, 3, 3, 2];
    const OH = 5;
    const OW = 5;
    const x = host([N, H, W, IC], 1).values;
    const dy = host([N, OH, OW, OC], 2).values;
    const heap = new Float32Array(memory.buffer as ArrayBuffer);
    const [xAt, dyAt, outAt, scratchAt] = [1024, 8192, 16384, 32768];
    heap.set(x, xAt / 4);
    heap.set(dy, dyAt / 4);
    expect(exports.bpf_scratch_floats(FH, FW, IC, OC) * 4).toBeLessThan(64 * 65536 - scratchAt);
    exports.conv2d_backprop_filter(
      xAt,
      dyAt,
      outAt,
      scratchAt,
      N,
      H,
      W,
      IC,
      OH,
      OW,
      OC,
      FH,
      FW,
      s,
      s,
      1,
      1,
      1,
      1,
    );
    return heap.slice(outAt / 4, outAt / 4 + FH * FW * IC * OC);
  }

  it('the shared-memory build (threaded tfjs) computes what the plain one does', async () => {
    const { CONV_GRAD_WASM, CONV_GRAD_WASM_SHARED } = await import(
      '../src/kernels/simd/kernels-wasm.js'
    );
    const plain = filterGradient(CONV_GRAD_WASM, false);
    const shared = filterGradient(CONV_GRAD_WASM_SHARED, true);
    expect(plain.some((v) => v !== 0)).toBe(true);
    expect(shared).toEqual(plain);
    // Each variant refuses the other kind of memory.
    expect(() => filterGradient(CONV_GRAD_WASM_SHARED, false)).toThrow();
  });
});

describe('SIMD depthwise gradients (wasm, multiplier 1) vs stock cpu', () => {
  // The stock cpu depthwise gradients ignore dilations, so these cases use none; kernels.test.ts
  // checks dilated ones against the forward kernel's adjoint.
  const cases: ConvCase[] = [
    { x: [8, 24, 24, 32], f: [3, 3, 32, 1], strides: 1, pad: 'same' },
    { x: [8, 48, 48, 16], f: [3, 3, 16, 1], strides: 2, pad: 'same' },
    { x: [2, 9, 9, 5], f: [3, 3, 5, 1], strides: 2, pad: 'same' },
    { x: [1, 7, 6, 19], f: [5, 5, 19, 1], strides: 1, pad: 'valid' },
    { x: [2, 8, 8, 4], f: [5, 5, 4, 2], strides: 2, pad: 'same' }, // multiplier 2: JS path
  ];
  const dwShape = (c: ConvCase) =>
    convGeometry(c.x, c.f, c.strides, 1, c.pad, undefined, true).outShape;
  for (const [i, c] of cases.entries()) {
    const simd = c.f[3] === 1 ? 1 : 0;
    it(`filter: ${label(c)}`, () => {
      const before = simdStats.depthwiseFilter;
      const inputs = { x: host(c.x, 300 + i), dy: host(dwShape(c), 310 + i) };
      const attrs = { strides: c.strides, pad: c.pad, dilations: 1, filterShape: c.f };
      const name = 'DepthwiseConv2dNativeBackpropFilter';
      const expected = runKernel(cpu, stockDepthwiseFilter, inputs, attrs);
      const result = runKernel(wasm, tf.getKernel(name, 'wasm')!, inputs, attrs);
      expect(result.leaked).toBe(0);
      expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
      expect(simdStats.depthwiseFilter - before).toBe(simd);
    });
    it(`input: ${label(c)}`, () => {
      const before = simdStats.depthwiseInput;
      const inputs = { dy: host(dwShape(c), 320 + i), filter: host(c.f, 330 + i) };
      const attrs = { strides: c.strides, pad: c.pad, dilations: 1, inputShape: c.x };
      const name = 'DepthwiseConv2dNativeBackpropInput';
      const expected = runKernel(cpu, stockDepthwiseInput, inputs, attrs);
      const result = runKernel(wasm, tf.getKernel(name, 'wasm')!, inputs, attrs);
      expect(result.leaked).toBe(0);
      expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
      expect(simdStats.depthwiseInput - before).toBe(simd);
    });
  }
});

interface PoolCase {
  x: [number, number, number, number];
  size: number;
  strides: number;
  pad: 'same' | 'valid';
}

// The pool grid of kernels.test.ts, the tiny CNN's two pools and channel remainders.
const poolCases: PoolCase[] = [
  { x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [1, 9, 7, 4], size: 3, strides: 2, pad: 'same' },
  { x: [2, 7, 7, 2], size: 3, strides: 1, pad: 'same' },
  { x: [1, 11, 9, 3], size: 5, strides: 2, pad: 'valid' },
  { x: [1, 6, 5, 2], size: 2, strides: 2, pad: 'same' },
  { x: [2, 9, 8, 13], size: 3, strides: 2, pad: 'same' },
  { x: [32, 30, 30, 8], size: 2, strides: 2, pad: 'valid' },
  { x: [32, 13, 13, 16], size: 2, strides: 2, pad: 'valid' },
];

function poolLabel(c: PoolCase): string {
  return `x ${c.x} size ${c.size} stride ${c.strides} ${c.pad}`;
}

function poolInputs(c: PoolCase, seed: number, x = host(c.x, seed)) {
  const attrs = { filterSize: c.size, strides: c.strides, pad: c.pad };
  const y = runKernel(cpu, stockMaxPool, { x }, attrs);
  const output: HostTensor = { values: y.values, shape: y.shape, dtype: 'float32' };
  return { inputs: { dy: host(y.shape, seed + 1), input: x, output }, attrs };
}

describe('SIMD MaxPoolGrad / AvgPoolGrad (wasm) vs stock cpu', () => {
  for (const [i, c] of poolCases.entries()) {
    it(`MaxPoolGrad ${poolLabel(c)}`, () => {
      const { inputs, attrs } = poolInputs(c, 400 + 2 * i);
      const expected = runKernel(cpu, stockMaxPoolGrad, inputs, attrs);
      const before = simdStats.maxPoolGrad;
      const result = runKernel(wasm, tf.getKernel('MaxPoolGrad', 'wasm')!, inputs, attrs);
      expect(simdStats.maxPoolGrad - before).toBe(1);
      expect(result.leaked).toBe(0);
      expect(result.shape).toEqual(expected.shape);
      expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
    });
    it(`AvgPoolGrad ${poolLabel(c)} (the JS adjoint kernel)`, () => {
      const attrs = { filterSize: c.size, strides: c.strides, pad: c.pad };
      const yShape = runKernel(cpu, stockAvgPool, { x: host(c.x, 1) }, attrs).shape;
      const inputs = { dy: host(yShape, 450 + i), input: host(c.x, 460 + i) };
      const kernel = tf.getKernel('AvgPoolGrad', 'wasm')!;
      const before = simdStats.avgPoolGrad;
      const result = runKernel(wasm, kernel, inputs, attrs);
      expect(simdStats.avgPoolGrad - before).toBe(1);
      tf.env().set(SIMD_KERNELS_FLAG, false);
      let reference: ReturnType<typeof runKernel>;
      try {
        reference = runKernel(wasm, kernel, inputs, attrs);
      } finally {
        tf.env().set(SIMD_KERNELS_FLAG, true);
      }
      expect(simdStats.avgPoolGrad - before).toBe(1);
      expect(result.leaked).toBe(0);
      expect(maxRelativeError(result.values, reference.values)).toBeLessThan(1e-6);
    });
  }

  it('MaxPoolGrad ties, NaN and -Infinity: bit-identical to the JS kernel (first maximum)', () => {
    for (const c of [poolCases[1]!, poolCases[2]!, poolCases[5]!, poolCases[7]!]) {
      const x = host(c.x, 77);
      // Few distinct values (many ties), some NaN and -Infinity, one all--Infinity window.
      x.values = x.values.map((v, i) =>
        i % 17 === 3 ? Number.NaN : i % 13 === 5 ? Number.NEGATIVE_INFINITY : Math.round(v * 2),
      );
      for (let i = 0; i < c.x[3] * 4; i++) x.values[i] = Number.NEGATIVE_INFINITY;
      const { inputs, attrs } = poolInputs(c, 78, x);
      const result = runKernel(wasm, tf.getKernel('MaxPoolGrad', 'wasm')!, inputs, attrs);
      const info = tf.backend_util.computePool2DInfo(c.x, c.size, c.strides, 1, c.pad);
      const expected = new Float32Array(result.values.length);
      maxPoolGradient(inputs.input.values, inputs.dy.values, info, expected);
      expect(Array.from(result.values)).toEqual(Array.from(expected));
    }
  });
});

describe('SIMD Sum / Mean over leading axes (wasm)', () => {
  interface SumCase {
    shape: number[];
    axis: number | number[] | null;
    keepDims: boolean;
    simd: boolean;
  }
  const cases: SumCase[] = [
    { shape: [32, 30, 30, 8], axis: [0, 1, 2], keepDims: false, simd: true },
    { shape: [32, 13, 13, 16], axis: [0, 1, 2], keepDims: true, simd: true },
    { shape: [3, 5, 4, 6], axis: [0, 1, 2], keepDims: false, simd: true },
    { shape: [3, 5, 4, 6], axis: [-4, -3], keepDims: true, simd: true },
    { shape: [5, 9, 3], axis: [1, 0], keepDims: false, simd: true },
    { shape: [7, 21], axis: 0, keepDims: false, simd: true },
    { shape: [6, 1], axis: 0, keepDims: true, simd: true },
    { shape: [3, 5, 4, 6], axis: -1, keepDims: false, simd: false },
    { shape: [3, 5, 4], axis: [0, 2], keepDims: true, simd: false },
    { shape: [4, 7], axis: null, keepDims: false, simd: false },
    { shape: [4, 7], axis: [0, 1], keepDims: true, simd: false },
    { shape: [1], axis: 0, keepDims: false, simd: false },
    { shape: [2, 3], axis: [], keepDims: false, simd: false },
    { shape: [0, 3], axis: 0, keepDims: false, simd: false },
  ];
  for (const [i, c] of cases.entries()) {
    for (const [name, reference] of [
      ['Sum', stockSum],
      ['Mean', stockMean],
    ] as const) {
      it(`${name} [${c.shape}] axis ${JSON.stringify(c.axis)} keepDims ${c.keepDims}: ${c.simd ? 'SIMD' : 'stock'}`, () => {
        const inputs = { x: host(c.shape, 500 + i) };
        const attrs = { axis: c.axis ?? undefined, keepDims: c.keepDims };
        const expected = runKernel(cpu, reference, inputs, attrs);
        const before = simdStats.columnSum;
        const result = runKernel(wasm, tf.getKernel(name, 'wasm')!, inputs, attrs);
        expect(simdStats.columnSum - before).toBe(c.simd ? 1 : 0);
        expect(result.leaked).toBe(0);
        expect(result.shape).toEqual(expected.shape);
        expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-5);
      });
    }
  }

  it('int32 delegates to the stock kernel', () => {
    const values = Int32Array.from({ length: 24 }, (_, i) => i * 7 - 50);
    const x: HostTensor = { values, shape: [2, 3, 4], dtype: 'int32' };
    const attrs = { axis: [0, 1], keepDims: false };
    const before = simdStats.columnSum;
    const result = runKernel(wasm, tf.getKernel('Sum', 'wasm')!, { x }, attrs);
    const expected = runKernel(cpu, stockSum, { x }, attrs);
    expect(simdStats.columnSum).toBe(before);
    expect(result.values).toBeInstanceOf(Int32Array);
    expect(Array.from(result.values)).toEqual(Array.from(expected.values));
  });

  it('32*30*30 rows: within 1e-5 of float64 (signed and positive data)', () => {
    const shape = [32, 30, 30, 8];
    const rows = 32 * 30 * 30;
    for (const positive of [false, true]) {
      const x = host(shape, 555);
      if (positive) x.values = x.values.map((v) => (v + 1) * 0.5);
      const sum = runKernel(wasm, tf.getKernel('Sum', 'wasm')!, { x }, { axis: [0, 1, 2] });
      const mean = runKernel(wasm, tf.getKernel('Mean', 'wasm')!, { x }, { axis: [0, 1, 2] });
      const exact = new Float64Array(8);
      for (let i = 0; i < x.values.length; i++) exact[i % 8]! += x.values[i]!;
      const scale = Math.max(...exact.map(Math.abs));
      for (let c = 0; c < 8; c++) {
        const tolerance = 1e-5 * (positive ? Math.abs(exact[c]!) : scale);
        expect(Math.abs(sum.values[c]! - exact[c]!)).toBeLessThan(tolerance);
        expect(Math.abs(mean.values[c]! - exact[c]! / rows)).toBeLessThan(tolerance / rows);
      }
    }
  });
});

describe('SIMD ResizeNearestNeighborGrad (wasm) vs the JS kernel, bit for bit', () => {
  const cases: { x: number[]; dy: [number, number]; alignCorners: boolean; half: boolean }[] = [
    // the demo detector's two upsamplings (x2), channels a multiple of 4
    { x: [8, 12, 12, 48], dy: [24, 24], alignCorners: false, half: false },
    { x: [4, 6, 6, 48], dy: [12, 12], alignCorners: false, half: false },
    // channel remainders, non-integer ratios, downsampling, corner modes
    { x: [2, 5, 7, 5], dy: [11, 9], alignCorners: false, half: false },
    { x: [1, 9, 6, 3], dy: [4, 5], alignCorners: false, half: true },
    { x: [3, 4, 5, 7], dy: [10, 13], alignCorners: true, half: false },
    { x: [1, 1, 1, 1], dy: [3, 2], alignCorners: false, half: true },
  ];
  for (const [i, c] of cases.entries()) {
    it(`x ${c.x} dy ${c.dy} alignCorners ${c.alignCorners} halfPixelCenters ${c.half}`, () => {
      const dy = host([c.x[0]!, ...c.dy, c.x[3]!], 700 + i);
      // special values: the sums must keep NaN, infinities and signed zeros as the JS kernel does
      const v = dy.values as Float32Array;
      if (v.length >= 64)
        for (const [k, s] of [Number.NaN, Infinity, -Infinity, -0, 1e-45, -3e38, 3e38].entries())
          v[(k * 97 + i) % v.length] = s;
      const attrs = { alignCorners: c.alignCorners, halfPixelCenters: c.half };
      const images = host(c.x, 800 + i);
      const before = simdStats.resizeNearestGrad;
      const result = runKernel(
        wasm,
        tf.getKernel('ResizeNearestNeighborGrad', 'wasm')!,
        { images, dy },
        attrs,
      );
      expect(simdStats.resizeNearestGrad).toBe(before + 1);
      expect(result.leaked).toBe(0);
      const expected = new Float32Array(c.x.reduce((a, b) => a * b, 1));
      resizeNearestGradient(v, c.x, dy.shape, c.alignCorners, c.half, expected);
      expect(result.shape).toEqual(c.x);
      let differ = 0;
      for (let k = 0; k < expected.length; k++)
        if (!Object.is(result.values[k], expected[k])) differ++;
      expect(differ).toBe(0);
      expect(expected.some((x) => x !== 0 && Number.isFinite(x))).toBe(true);
    });
  }

  it(`${SIMD_KERNELS_FLAG} off: the JS kernel runs, with the same result`, () => {
    const images = host([2, 4, 4, 6], 901);
    const dy = host([2, 8, 8, 6], 902);
    const attrs = { alignCorners: false, halfPixelCenters: false };
    const kernel = tf.getKernel('ResizeNearestNeighborGrad', 'wasm')!;
    const on = runKernel(wasm, kernel, { images, dy }, attrs);
    const before = simdStats.resizeNearestGrad;
    tf.env().set(SIMD_KERNELS_FLAG, false);
    try {
      const off = runKernel(wasm, kernel, { images, dy }, attrs);
      expect(simdStats.resizeNearestGrad).toBe(before);
      expect(Array.from(off.values)).toEqual(Array.from(on.values));
    } finally {
      tf.env().set(SIMD_KERNELS_FLAG, true);
    }
  });
});
