import { beforeAll, describe, expect, it } from 'vitest';
import { addFloat32Into } from '../src/index.js';
import { nativeConvKernels } from '../src/kernels/native-conv.js';
import { loadNativeConvKernels } from '../src/native-loader.js';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

/** Float32 values of every kind: normal, subnormal, signed zeros, infinities, NaN, extremes. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const special = [0, -0, Infinity, -Infinity, Number.NaN, 1e-45, -1e-40, 3.4e38, -3.4e38, 1, -1];
  for (let i = 0; i < n; i++) {
    const r = next();
    out[i] =
      r < 0.05
        ? special[Math.floor(next() * special.length)]
        : (next() - 0.5) * 10 ** (next() * 8 - 4);
  }
  return out;
}

/** The reference: the JavaScript loop over copies. */
function reference(dst: Float32Array, src: Float32Array): Float32Array {
  const d = dst.slice();
  for (let i = 0; i < d.length; i++) d[i] += src[i];
  return d;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

beforeAll(() => {
  loadNativeConvKernels();
});

describe('addFloat32Into', () => {
  it('runs natively on x86-64 Linux (where the addon is built)', () => {
    if (linuxX64) expect(nativeConvKernels()?.addInto).toBeTypeOf('function');
  });

  it.each([0, 1, 7, 16, 33, 1000, 113_000])(
    'n=%i: the bits of the JavaScript loop, on every kind of buffer',
    (n) => {
      const src = values(n, n + 1);
      const dst = values(n, n + 7);
      const want = reference(dst, src);
      // ArrayBuffer, SharedArrayBuffer, a wasm memory (the tfjs heap), at odd offsets
      const wasm = (
        globalThis as unknown as {
          WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } };
        }
      ).WebAssembly;
      const mem = new wasm.Memory({ initial: Math.ceil(((n + 3) * 4 * 2) / 65536) + 1 });
      const heapDst = new Float32Array(mem.buffer, 4, n);
      heapDst.set(dst);
      const shared = new Float32Array(new SharedArrayBuffer((n + 2) * 4), 8, n);
      shared.set(src);
      addFloat32Into(heapDst, shared);
      expect(bits(heapDst)).toBe(bits(want));
      const plain = dst.slice();
      addFloat32Into(plain, src);
      expect(bits(plain)).toBe(bits(want));
      expect(bits(shared)).toBe(bits(src)); // src untouched
    },
  );

  it('overlapping views give the loop result too', () => {
    const buf = values(100, 3);
    const want = buf.slice();
    const a = want.subarray(10, 60);
    const b = want.subarray(5, 55);
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    addFloat32Into(buf.subarray(10, 60), buf.subarray(5, 55));
    expect(bits(buf)).toBe(bits(want));
  });

  it('different lengths are a RangeError naming both', () => {
    expect(() => addFloat32Into(new Float32Array(3), new Float32Array(4))).toThrow(RangeError);
    expect(() => addFloat32Into(new Float32Array(3), new Float32Array(4))).toThrow(
      /src has 4 elements, dst 3/,
    );
  });

  it('without the native addon (BURNIN_NATIVE_CONV off) the same bits', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const { NATIVE_CONV_FLAG } = await import('../src/kernels/native-conv.js');
    const src = values(5000, 11);
    const dst = values(5000, 12);
    const want = reference(dst, src);
    tf.env().set(NATIVE_CONV_FLAG, false);
    try {
      expect(nativeConvKernels()).toBeNull();
      addFloat32Into(dst, src);
    } finally {
      tf.env().set(NATIVE_CONV_FLAG, true);
    }
    expect(bits(dst)).toBe(bits(want));
  });
});
