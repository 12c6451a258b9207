import type { KernelBackend } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../src/index.js';
import { NATIVE_CONV_FLAG, nativeConvKernels, nativeStats } from '../src/kernels/native-conv.js';
import { loadNativeConvKernels } from '../src/native-loader.js';
import { type HostTensor, host, runKernel, setupBackends, yieldToEventLoop } from './helpers.js';

afterEach(() => {
  nativeConvKernels(); // registers the flag
  tf.env().set(NATIVE_CONV_FLAG, true);
  return yieldToEventLoop();
});

// tfjs-backend-wasm's own kernel is the reference; capture it before ours replaces it
const stock = tf.getKernel('ResizeNearestNeighbor', 'wasm')!;
let wasm: KernelBackend;
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

beforeAll(async () => {
  ({ wasm } = await setupBackends());
  registerTrainingKernels();
  loadNativeConvKernels();
});

/** The float32 bits of `v` (copies must keep them, NaN payloads and -0 included). */
const bits = (v: Float32Array | Int32Array) =>
  Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

interface ResizeCase {
  x: [number, number, number, number];
  size: [number, number];
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
  /** Whether the native copies run (power-of-two upsampling, no flags). */
  native: boolean;
}

const cases: ResizeCase[] = [
  // the demo detector's feature pyramid (batch 8): 12 -> 24 and 6 -> 12
  { x: [8, 12, 12, 32], size: [24, 24], native: true },
  { x: [8, 6, 6, 48], size: [12, 12], native: true },
  { x: [2, 5, 7, 3], size: [20, 28], native: true },
  { x: [1, 3, 4, 1], size: [3, 16], native: true },
  { x: [3, 4, 4, 5], size: [4, 4], native: true },
  { x: [2, 4, 6, 4], size: [8, 6], native: true },
  // the stock kernel: factor 3, downsampling, non-integer factors, the two flags
  { x: [2, 4, 5, 3], size: [12, 15], native: false },
  { x: [2, 8, 8, 3], size: [4, 4], native: false },
  { x: [1, 5, 5, 2], size: [7, 9], native: false },
  { x: [2, 4, 4, 3], size: [8, 8], alignCorners: true, native: false },
  { x: [2, 4, 4, 3], size: [8, 8], halfPixelCenters: true, native: false },
];

describe('ResizeNearestNeighbor on wasm equals the stock kernel bit for bit', () => {
  for (const [i, c] of cases.entries()) {
    it(`[${c.x}] -> ${c.size}${c.alignCorners ? ', alignCorners' : ''}${c.halfPixelCenters ? ', halfPixelCenters' : ''} (${c.native ? 'native' : 'stock'})`, () => {
      const images: HostTensor = host(c.x, 900 + i);
      // NaN (two payloads), -0 and infinities survive a copy as they are
      const raw = new Uint32Array(images.values.buffer);
      [0x7fc00001, 0xffc00000, 0x80000000, 0x7f800000, 0xff800000].forEach((b, k) => {
        if (k < raw.length) raw[(k * 7) % raw.length] = b;
      });
      const attrs = {
        size: c.size,
        alignCorners: c.alignCorners ?? false,
        halfPixelCenters: c.halfPixelCenters ?? false,
      };
      const expected = runKernel(wasm, stock, { images }, attrs);
      const before = nativeStats.resize;
      const ours = runKernel(
        wasm,
        tf.getKernel('ResizeNearestNeighbor', 'wasm')!,
        { images },
        attrs,
      );
      expect(ours.leaked).toBe(0);
      expect(ours.shape).toEqual(expected.shape);
      expect(bits(ours.values)).toEqual(bits(expected.values));
      expect(nativeStats.resize - before).toBe(
        c.native && linuxX64 && nativeConvKernels() != null ? 1 : 0,
      );
    });
  }

  it('without the native kernels: the stock kernel', () => {
    tf.env().set(NATIVE_CONV_FLAG, false);
    const images = host([2, 6, 6, 8], 5);
    const attrs = { size: [12, 12], alignCorners: false, halfPixelCenters: false };
    const before = nativeStats.resize;
    const ours = runKernel(wasm, tf.getKernel('ResizeNearestNeighbor', 'wasm')!, { images }, attrs);
    expect(bits(ours.values)).toEqual(bits(runKernel(wasm, stock, { images }, attrs).values));
    expect(nativeStats.resize - before).toBe(0);
  });

  it('tf.image.resizeNearestNeighbor and its gradient leak nothing', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(host([2, 6, 6, 4], 7).values, [2, 6, 6, 4]);
    const before = tf.memory().numTensors;
    const g = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [12, 12])),
    )(x);
    // each input pixel is copied to a 2x2 block: its gradient is 4
    expect(Array.from(g.dataSync()).every((v) => v === 4)).toBe(true);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe.runIf(linuxX64)('native resizeNearestUp: the addon itself', () => {
  it('refuses a tensor outside the heap and a factor below 1', () => {
    const load = loadNativeConvKernels();
    if (!load.ok) throw new Error(`native kernels not loaded: ${load.reason}`);
    const heap = new ArrayBuffer(1024);
    const k = load.kernels;
    expect(() => k.resizeNearestUp(heap, 0, 768, 1, 4, 4, 2, 2, 2)).toThrow(/outside the heap/);
    expect(() => k.resizeNearestUp(heap, 0, 128, 1, 2, 2, 2, 0, 2)).toThrow(/bad shape or factor/);
    const f = new Float32Array(heap);
    f.set([1, 2, 3, 4]); // [1, 2, 2, 1]
    k.resizeNearestUp(heap, 0, 64, 1, 2, 2, 1, 2, 2);
    expect(Array.from(f.subarray(16, 32))).toEqual([
      1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4,
    ]);
  });
});
