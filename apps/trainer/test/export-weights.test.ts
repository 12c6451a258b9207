import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  encodeWeights,
  type NamedWeight,
  shardWeights,
  toFloat16Bits,
  WeightEncodeError,
} from '../src/export/weights.js';
import * as tf from '../src/tf.js';

const ref = JSON.parse(
  readFileSync(new URL('./fixtures/float16-numpy.json', import.meta.url), 'utf8'),
) as { values: number[]; bits: number[] };

/** Weights of a typical conv layer: normal values, one outlier, a constant tensor, an int32. */
function sample(): NamedWeight[] {
  const k = new Float32Array(3 * 3 * 4 * 8);
  for (let i = 0; i < k.length; i++) k[i] = Math.sin(i * 1.7) * 0.2 * (1 + (i % 5));
  k[17] = -2.5;
  return [
    { name: 'a/kernel', shape: [3, 3, 4, 8], dtype: 'float32', data: k },
    { name: 'a/bias', shape: [8], dtype: 'float32', data: new Float32Array(8).fill(-2.19) },
    { name: 'size', shape: [2], dtype: 'int32', data: new Int32Array([12, 12]), quantize: false },
    { name: 'two', shape: [], dtype: 'float32', data: new Float32Array([2]), quantize: false },
  ];
}

/** What tfjs itself decodes from our bytes (tf.io.decodeWeights dequantizes). */
function roundTrip(weights: NamedWeight[], q: 'float32' | 'float16' | 'uint8') {
  const { specs, data } = encodeWeights(weights, q);
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buf, specs as tf.io.WeightsManifestEntry[]);
  const out = Object.fromEntries(Object.entries(map).map(([k, t]) => [k, t.dataSync()]));
  tf.dispose(Object.values(map));
  return { specs, data, out };
}

describe('float16 encoding', () => {
  it("rounds every value exactly as numpy's float32 -> float16 (ties to even, subnormals)", () => {
    const got = ref.values.map((v) => toFloat16Bits(v));
    const want = ref.bits.map((b, i) => ((b & 0x7c00) === 0x7c00 ? -1 : b) + 0 * i);
    expect(got).toEqual(want);
  });

  it('refuses a value beyond the float16 range, naming the weight', () => {
    const w: NamedWeight = {
      name: 'big/kernel',
      shape: [2],
      dtype: 'float32',
      data: new Float32Array([1, 70000]),
    };
    expect(() => encodeWeights([w], 'float16')).toThrow(WeightEncodeError);
    expect(() => encodeWeights([w], 'float16')).toThrow(
      /weight 'big\/kernel' has 70000 at index 1, beyond float16's range/,
    );
    expect(encodeWeights([w], 'float32').data.length).toBe(8);
  });
});

describe('quantized weights round-trip through tfjs within their error bound', () => {
  it('float32 is exact; int32 and unquantized constants stay exact at every setting', () => {
    const w = sample();
    for (const q of ['float32', 'float16', 'uint8'] as const) {
      const { out } = roundTrip(w, q);
      expect(Array.from(out.size)).toEqual([12, 12]);
      expect(Array.from(out.two)).toEqual([2]);
      if (q === 'float32') expect(Array.from(out['a/kernel'])).toEqual(Array.from(w[0].data));
    }
  });

  it('float16: relative error at most 2^-11 (half an ulp), 2 bytes per value', () => {
    const w = sample();
    const { specs, data, out } = roundTrip(w, 'float16');
    expect(specs[0].quantization).toEqual({ dtype: 'float16' });
    expect(data.length).toBe(288 * 2 + 8 * 2 + 8 + 4);
    const k = w[0].data;
    for (let i = 0; i < k.length; i++)
      expect(Math.abs(out['a/kernel'][i] - k[i])).toBeLessThanOrEqual(
        Math.abs(k[i]) * 2 ** -11 + 2 ** -25,
      );
  });

  it('uint8: error at most scale / 2 with scale = (max - min) / 255; a constant tensor is exact', () => {
    const w = sample();
    const { specs, data, out } = roundTrip(w, 'uint8');
    const q = specs[0].quantization as { dtype: string; min: number; scale: number };
    expect(q.dtype).toBe('uint8');
    const k = w[0].data;
    const lo = Math.min(...k);
    const hi = Math.max(...k);
    expect(q.min).toBe(lo);
    expect(q.scale).toBeCloseTo((hi - lo) / 255, 12);
    expect(data.length).toBe(288 + 8 + 8 + 4);
    let worst = 0;
    for (let i = 0; i < k.length; i++) worst = Math.max(worst, Math.abs(out['a/kernel'][i] - k[i]));
    expect(worst).toBeLessThanOrEqual(q.scale / 2 + 1e-6);
    expect(worst).toBeGreaterThan(q.scale / 10); // it really was quantized
    expect(Array.from(out['a/bias'])).toEqual(Array.from(w[1].data));
  });

  it('refuses NaN and Infinity, naming the weight and the index', () => {
    const w: NamedWeight = {
      name: 'x/bias',
      shape: [3],
      dtype: 'float32',
      data: new Float32Array([0, Number.NaN, 1]),
    };
    for (const q of ['float32', 'float16', 'uint8'] as const)
      expect(() => encodeWeights([w], q)).toThrow(
        /weight 'x\/bias' has a non-finite value \(NaN\) at index 1/,
      );
  });

  it('splits the bytes into 4 MiB shards named group1-shardIofN.bin', () => {
    const shards = shardWeights(new Uint8Array(4 * 1024 * 1024 + 10));
    expect(shards.map((s) => [s.path, s.bytes.length])).toEqual([
      ['group1-shard1of2.bin', 4 * 1024 * 1024],
      ['group1-shard2of2.bin', 10],
    ]);
  });
});
