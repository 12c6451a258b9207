import type { KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../src/conv-geometry.js';
import { registerTrainingKernels } from '../src/index.js';
import {
  SIMD_CONV_GRADIENTS_FLAG,
  simdConvGradientsEnabled,
  simdStats,
} from '../src/kernels/simd/index.js';
import { type HostTensor, host, maxRelativeError, runKernel, setupBackends } from './helpers.js';

// The stock cpu kernels are the reference; capture them before ours replace them.
const stockFilter = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
const stockInput = tf.getKernel('Conv2DBackpropInput', 'cpu')!;
const stockDepthwiseFilter = tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'cpu')!;
const stockDepthwiseInput = tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'cpu')!;

let cpu: KernelBackend;
let wasm: KernelBackend;

beforeAll(async () => {
  ({ cpu, wasm } = await setupBackends());
  registerTrainingKernels();
  expect(simdConvGradientsEnabled()).toBe(true);
});

type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
}

// The conv grid of kernels.test.ts.
const gridCases: ConvCase[] = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 5], f: [5, 5, 5, 3], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 2], f: [1, 1, 2, 6], strides: 2, pad: 'valid' },
  { x: [1, 11, 11, 4], f: [3, 3, 4, 2], strides: 2, pad: 'valid' },
  { x: [2, 6, 5, 3], f: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { x: [1, 13, 13, 2], f: [5, 5, 2, 3], strides: 1, pad: 'same' },
  {
    x: [2, 7, 8, 3],
    f: [3, 2, 3, 2],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { x: [2, 3, 7, 6], f: [3, 3, 3, 2], strides: 2, pad: 'same', dataFormat: 'NCHW' },
  { x: [2, 9, 9, 8], f: [3, 3, 8, 4], strides: 2, pad: 'same' },
  { x: [1, 7, 6, 13], f: [3, 3, 13, 5], strides: 1, pad: 'valid' },
  {
    x: [2, 6, 7, 10],
    f: [5, 3, 10, 3],
    strides: 2,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
  // Remainders of the 4x8 register tiles and of the pixel chunks.
  { x: [1, 5, 5, 9], f: [3, 3, 9, 17], strides: 1, pad: 'same' },
  { x: [3, 17, 19, 7], f: [3, 3, 7, 9], strides: 2, pad: 'same' },
];

// The demo detector's training step (batch 8).
const demoFilterCases: ConvCase[] = [
  { x: [8, 24, 24, 32], f: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { x: [8, 12, 12, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 48, 48, 16], f: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { x: [8, 96, 96, 3], f: [3, 3, 3, 16], strides: 2, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 48], strides: 2, pad: 'same' },
  { x: [8, 24, 24, 32], f: [1, 1, 32, 3], strides: 1, pad: 'same' },
];
const demoInputCases: ConvCase[] = [
  { x: [8, 48, 48, 16], f: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { x: [8, 12, 12, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 48], strides: 2, pad: 'same' },
  { x: [8, 6, 6, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [1, 1, 32, 3], strides: 1, pad: 'same' },
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
