import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { KernelBackend, KernelConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convGeometry } from '../src/conv-geometry.js';
import { registerTrainingKernels } from '../src/index.js';
import { NATIVE_CONV_FLAG, nativeConvKernels, nativeStats } from '../src/kernels/native-conv.js';
import { simdStats } from '../src/kernels/simd/index.js';
import { loadNativeConvKernels, type NativeLoad } from '../src/native-loader.js';
import { CONV_GRID, type ConvCase, DEMO_FILTER_CASES } from './conv-cases.js';
import {
  type HostTensor,
  host,
  maxRelativeError,
  runKernel,
  setupBackends,
  yieldToEventLoop,
} from './helpers.js';

afterEach(() => {
  nativeConvKernels(); // registers the flag
  tf.env().set(NATIVE_CONV_FLAG, true);
  return yieldToEventLoop();
});

// The stock cpu kernels are the reference; capture them before ours replace them.
const stock = {
  Conv2D: tf.getKernel('Conv2D', 'cpu')!,
  Conv2DBackpropFilter: tf.getKernel('Conv2DBackpropFilter', 'cpu')!,
  Conv2DBackpropInput: tf.getKernel('Conv2DBackpropInput', 'cpu')!,
};
const stockFused = tf.getKernel('FusedConv2D', 'cpu')!;

let cpu: KernelBackend;
let wasm: KernelBackend;
let native: NativeLoad;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

beforeAll(async () => {
  ({ cpu, wasm } = await setupBackends());
  registerTrainingKernels();
  native = loadNativeConvKernels();
});

// The shared grid, register-tile remainders (channels not a multiple of 8 or 16, more than 48
// output channels), few input channels over wide rows, dilation, and the demo detector's
// convolutions (batch 8).
const cases: ConvCase[] = [
  ...CONV_GRID,
  { x: [1, 5, 5, 9], f: [3, 3, 9, 17], strides: 1, pad: 'same' },
  { x: [3, 17, 19, 7], f: [3, 3, 7, 9], strides: 2, pad: 'same' },
  { x: [2, 9, 11, 20], f: [3, 3, 20, 70], strides: 1, pad: 'same' },
  { x: [1, 10, 13, 33], f: [3, 3, 33, 40], strides: 2, pad: 'valid' },
  // few input channels: the input gradient's lanes run over pixels, 64 per tile
  { x: [2, 5, 70, 1], f: [3, 3, 1, 6], strides: 3, pad: 'same' },
  { x: [1, 9, 140, 4], f: [3, 3, 4, 20], strides: 2, pad: 'valid' },
  { x: [1, 6, 67, 2], f: [5, 4, 2, 3], strides: 1, pad: 'same' },
  // 1x1 filters with few output channels: the filter gradient's lanes run over input channels
  { x: [2, 9, 11, 32], f: [1, 1, 32, 4], strides: 2, pad: 'same' },
  { x: [3, 7, 9, 16], f: [1, 1, 16, 8], strides: 1, pad: 'valid' },
  { x: [2, 5, 6, 48], f: [1, 1, 48, 1], strides: 1, pad: 'same' },
  ...DEMO_FILTER_CASES,
  { x: [8, 6, 6, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
];

function label(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : 'explicit';
  return `x ${c.x} filter ${c.f} stride ${c.strides} dilation ${c.dilations ?? 1} ${pad} ${c.dataFormat ?? 'NHWC'}`;
}

function outShape(c: ConvCase): number[] {
  return convGeometry(c.x, c.f, c.strides, c.dilations ?? 1, c.pad, undefined, false, c.dataFormat)
    .outShape;
}

type Name = keyof typeof stock;
const kinds = {
  Conv2D: 'forward',
  Conv2DBackpropFilter: 'filter',
  Conv2DBackpropInput: 'input',
} as const;

function args(
  name: Name,
  c: ConvCase,
  seed: number,
): { inputs: Record<string, HostTensor>; attrs: object } {
  const format = c.dataFormat ?? 'NHWC';
  const base = { strides: c.strides, pad: c.pad, dataFormat: format };
  if (name === 'Conv2D') {
    return {
      inputs: { x: host(c.x, seed), filter: host(c.f, seed + 1) },
      attrs: { ...base, dilations: c.dilations ?? 1 },
    };
  }
  if (name === 'Conv2DBackpropFilter') {
    return {
      inputs: { x: host(c.x, seed), dy: host(outShape(c), seed + 1) },
      attrs: { ...base, filterShape: c.f },
    };
  }
  return {
    inputs: { dy: host(outShape(c), seed), filter: host(c.f, seed + 1) },
    attrs: { ...base, inputShape: c.x },
  };
}

/** Ours on wasm against the stock cpu kernel; returns how often the native kernel ran. */
function compare(name: Name, a: { inputs: Record<string, HostTensor>; attrs: object }): number {
  const expected = runKernel(cpu, stock[name] as KernelConfig, a.inputs, a.attrs);
  const before = nativeStats[kinds[name]];
  const result = runKernel(wasm, tf.getKernel(name, 'wasm')!, a.inputs, a.attrs);
  expect(result.shape).toEqual(expected.shape);
  expect(result.leaked).toBe(0);
  expect(expected.values.some((v) => v !== 0)).toBe(true);
  expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
  return nativeStats[kinds[name]] - before;
}

describe('native conv kernels: loading', () => {
  it('load on x86-64 Linux (the build compiles them there), and say why not elsewhere', () => {
    if (linuxX64) {
      expect(
        existsSync(new URL('../dist/native/burnin-conv-linux-x64.node', import.meta.url)),
      ).toBe(true);
      expect(native).toMatchObject({ ok: true });
      if (native.ok) expect(['avx512', 'avx2']).toContain(native.kernels.isa);
    } else {
      expect(native).toMatchObject({
        ok: false,
        reason: expect.stringContaining('no native kernels'),
      });
    }
  });
});

describe.runIf(linuxX64)('native conv kernels vs stock cpu (1e-4)', () => {
  const dilated: ConvCase[] = [
    { x: [2, 11, 12, 5], f: [3, 3, 5, 7], strides: 1, pad: 'same', dilations: 2 },
    { x: [1, 13, 9, 4], f: [2, 3, 4, 18], strides: 1, pad: 'valid', dilations: 3 },
  ];
  for (const name of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const) {
    // (tfjs-backend-wasm's Conv2D refuses NCHW, so the forward grid is NHWC only)
    const grid =
      name === 'Conv2D' ? [...cases.filter((c) => c.dataFormat !== 'NCHW'), ...dilated] : cases;
    for (const [i, c] of grid.entries()) {
      it(`${name}: ${label(c)}`, () => {
        const ran = compare(name, args(name, c, 300 + 2 * i));
        expect(ran).toBe(c.dataFormat === 'NCHW' ? 0 : 1);
      });
    }
  }

  it(`${NATIVE_CONV_FLAG} = false runs the wasm kernels (SIMD gradients, XNNPACK forward)`, () => {
    const c: ConvCase = { x: [2, 9, 9, 8], f: [3, 3, 8, 4], strides: 2, pad: 'same' };
    tf.env().set(NATIVE_CONV_FLAG, false);
    const simdBefore = simdStats.filter;
    expect(compare('Conv2DBackpropFilter', args('Conv2DBackpropFilter', c, 7))).toBe(0);
    expect(simdStats.filter - simdBefore).toBe(1);
    expect(compare('Conv2D', args('Conv2D', c, 9))).toBe(0);
    tf.env().set(NATIVE_CONV_FLAG, true);
    expect(compare('Conv2D', args('Conv2D', c, 9))).toBe(1);
  });

  it('leak no tensors through tf.conv2d and its gradients', () => {
    const x = tf.tensor4d(host([2, 10, 10, 6], 1).values, [2, 10, 10, 6]);
    const w = tf.variable(tf.tensor4d(host([3, 3, 6, 16], 2).values, [3, 3, 6, 16]));
    const before = tf.memory().numTensors;
    const stats = { ...nativeStats };
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(tf.conv2d(x, w as tf.Tensor4D, 2, 'same')),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(nativeStats.forward - stats.forward).toBe(3);
    expect(nativeStats.filter - stats.filter).toBe(3);
    tf.dispose([x, w]);
  });
});

describe.runIf(linuxX64)(
  'native FusedConv2D (conv, then bias and relu) vs stock cpu (1e-4)',
  () => {
    const fusedCases: { c: ConvCase; bias: boolean; activation: string; native: boolean }[] = [
      {
        c: { x: [2, 12, 12, 3], f: [3, 3, 3, 8], strides: 1, pad: 'same' },
        bias: true,
        activation: 'relu',
        native: true,
      },
      {
        c: { x: [2, 12, 12, 3], f: [3, 3, 3, 8], strides: 1, pad: 'valid' },
        bias: true,
        activation: 'linear',
        native: true,
      },
      {
        c: { x: [3, 9, 11, 16], f: [3, 3, 16, 20], strides: 2, pad: 'same' },
        bias: false,
        activation: 'relu',
        native: true,
      },
      {
        c: { x: [1, 7, 7, 5], f: [1, 1, 5, 7], strides: 1, pad: 'valid' },
        bias: false,
        activation: 'linear',
        native: true,
      },
      {
        c: { x: [2, 8, 8, 4], f: [3, 3, 4, 6], strides: 1, pad: 'same' },
        bias: true,
        activation: 'elu',
        native: false,
      },
    ];
    for (const [i, k] of fusedCases.entries()) {
      it(`x ${k.c.x} filter ${k.c.f} stride ${k.c.strides} ${k.c.pad} bias ${k.bias} ${k.activation}`, () => {
        const inputs: Record<string, HostTensor> = {
          x: host(k.c.x, 500 + i),
          filter: host(k.c.f, 510 + i),
        };
        if (k.bias) inputs.bias = host([k.c.f[3]], 520 + i);
        const attrs = {
          strides: k.c.strides,
          pad: k.c.pad,
          dataFormat: 'NHWC',
          dilations: 1,
          activation: k.activation,
        };
        const expected = runKernel(cpu, stockFused, inputs, attrs);
        const before = {
          forward: nativeStats.forward,
          fused: nativeStats.fused,
          finish: simdStats.biasActivation,
        };
        const result = runKernel(wasm, tf.getKernel('FusedConv2D', 'wasm')!, inputs, attrs);
        expect(result.leaked).toBe(0);
        expect(result.shape).toEqual(expected.shape);
        expect(maxRelativeError(result.values, expected.values)).toBeLessThan(1e-4);
        if (k.activation === 'relu') expect(expected.values.some((v) => v === 0)).toBe(true);
        expect(nativeStats.forward - before.forward).toBe(k.native ? 1 : 0);
        // the bias and relu are applied in the native kernel's epilogue, not in a SIMD pass
        expect(nativeStats.fused - before.fused).toBe(k.native ? 1 : 0);
        expect(simdStats.biasActivation - before.finish).toBe(0);
      });
    }

    it('tf.fused.conv2d and its gradients leak nothing', () => {
      const x = tf.tensor4d(host([2, 8, 8, 4], 1).values, [2, 8, 8, 4]);
      const w = tf.variable(tf.tensor4d(host([3, 3, 4, 8], 2).values, [3, 3, 4, 8]));
      const b = tf.variable(tf.tensor1d(host([8], 3).values));
      const before = tf.memory().numTensors;
      const forward = nativeStats.forward;
      for (let i = 0; i < 2; i++) {
        const { value, grads } = tf.variableGrads(() =>
          tf.sum(
            tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b }),
          ),
        );
        expect(Object.keys(grads).length).toBe(2);
        tf.dispose([value, ...Object.values(grads)]);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(nativeStats.forward - forward).toBe(2);
      tf.dispose([x, w, b]);
    });
  },
);

describe.runIf(linuxX64)('native conv kernels: the addon itself', () => {
  const addon = (): import('../src/kernels/native-conv.js').NativeConvKernels => {
    if (!native.ok) throw new Error('native kernels not loaded');
    return native.kernels;
  };

  it('refuse a tensor outside the heap, a wrong argument count, a non-ArrayBuffer heap', () => {
    const k = addon();
    const heap = new ArrayBuffer(4096);
    const g = [1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1];
    expect(() => k.conv2d(heap, 0, 128, 4000, ...g)).toThrow(/outside the heap/);
    expect(() => k.conv2d(heap, 0, 128, 2, ...g)).toThrow(/outside the heap/);
    expect(() => k.conv2d(heap, 0, 128)).toThrow(/19 arguments/);
    expect(() => k.conv2d(new SharedArrayBuffer(4096), 0, 128, 1024, ...g)).toThrow(/ArrayBuffer/);
    expect(() => k.conv2d(heap, 0, 128, 1024, 1, 4, 4, 2, 4, 4, 3, 3, 3, 0, 1, 1, 1, 1, 1)).toThrow(
      /strides and dilations/,
    );
  });

  it('give the same bits on 1, 2, 3 and 7 threads, and in two worker_threads at once', () => {
    const file = new URL('./fixtures/native-digest.mjs', import.meta.url);
    const run = (threads: number, concurrent = 0) =>
      JSON.parse(
        execFileSync(process.execPath, [file.pathname], {
          env: {
            ...process.env,
            BURNIN_NATIVE_THREADS: String(threads),
            BURNIN_NATIVE_CONCURRENT: String(concurrent),
          },
          encoding: 'utf8',
        }),
      );
    const one = run(1);
    expect(one.threads).toBe(1);
    expect(one.digests.length).toBeGreaterThan(20);
    for (const threads of [2, 3, 7]) {
      const many = run(threads);
      expect(many.threads).toBe(threads);
      expect(many.digests).toEqual(one.digests);
    }
    // the pool is shared by the process: a second caller that finds it busy runs on its own
    const both = run(2, 2);
    expect(both.digests).toEqual(one.digests);
    expect(both.others).toEqual([one.digests, one.digests]);
  });

  it('setThreads takes an integer from 1 to 64', () => {
    expect(native.ok).toBe(true);
    if (!native.ok) return;
    const k = native.kernels;
    for (const bad of [0, -1, 1.5, 65, Number.NaN]) {
      expect(() => k.setThreads(bad)).toThrow(/expected one integer from 1 to 64/);
    }
    expect(k.setThreads(1)).toBe(1);
  });

  it('the AVX2 build gives bit-identical results to the AVX-512 one', () => {
    // Each child runs the three kernels on the same data and prints digests of the outputs.
    const file = new URL('./fixtures/native-digest.mjs', import.meta.url);
    const run = (isa?: string) =>
      execFileSync(process.execPath, [file.pathname], {
        env: { ...process.env, ...(isa ? { BURNIN_NATIVE_ISA: isa } : {}) },
        encoding: 'utf8',
      });
    const wide = JSON.parse(run());
    const narrow = JSON.parse(run('avx2'));
    expect(narrow.isa).toBe('avx2');
    expect(wide.digests.length).toBeGreaterThan(10);
    expect(narrow.digests).toEqual(wide.digests);
  });
});
