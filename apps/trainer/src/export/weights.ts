/**
 * tfjs weight files: the `weightsManifest` entries of a `model.json` and the bytes of its
 * `*.bin` shards, with tfjs' own quantization (`quantization: {dtype: 'uint8', min, scale}`:
 * value = q * scale + min; `{dtype: 'float16'}`: IEEE half), which tfjs dequantizes at load.
 */
import { TrainerError } from '../errors.js';

/** `--quantize`: none (float32), IEEE half precision, or 8-bit affine per tensor. */
export type Quantization = 'float32' | 'float16' | 'uint8';
export const QUANTIZATIONS: readonly Quantization[] = ['float32', 'float16', 'uint8'];

/** One named tensor to store. `quantize: false` keeps it exact (constants, int32 sizes). */
export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
  quantize?: boolean;
}

/** A `weightsManifest` weight entry (tfjs-core's `WeightsManifestEntry`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'uint8' | 'float16'; min?: number; scale?: number };
}

/** A weight that cannot be stored as asked (not finite, or out of float16's range). */
export class WeightEncodeError extends TrainerError {
  override name = 'WeightEncodeError';
}

/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * A float32 value as IEEE 754 half bits, rounded to nearest, ties to even; values below the
 * smallest subnormal (2^-24) round to (signed) zero. Returns -1 for |v| beyond
 * {@link FLOAT16_MAX} after rounding or a non-finite v (the caller refuses those).
 */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return -1;
  const e = exp - 127 + 15;
  let h: number;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
  } else {
    h = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  }
  if (h >= 0x7c00) return -1;
  return sign | h;
}

/** Affine uint8 parameters of a tensor: `q = round((v - min) / scale)`, q in 0..255. */
export function uint8Params(data: Float32Array): { min: number; scale: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return { min: 0, scale: 1 };
  // a constant tensor: q = 0 everywhere gives min exactly
  return { min: lo, scale: hi > lo ? (hi - lo) / 255 : 1 };
}

function checkFinite(w: NamedWeight): void {
  for (let i = 0; i < w.data.length; i++)
    if (!Number.isFinite(w.data[i]))
      throw new WeightEncodeError(
        `weight '${w.name}' has a non-finite value (${w.data[i]}) at index ${i}; export refuses it`,
      );
}

/**
 * Encodes weights in order: the manifest entries and the concatenated little-endian bytes.
 * float32 weights with `quantize` not false are stored as `quantization` says; int32 weights
 * and `quantize: false` ones are stored exactly. Throws {@link WeightEncodeError} naming the
 * weight for a non-finite value or one beyond float16's range.
 */
export function encodeWeights(
  weights: readonly NamedWeight[],
  quantization: Quantization,
): { specs: WeightSpec[]; data: Uint8Array } {
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  for (const w of weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (n !== w.data.length)
      throw new WeightEncodeError(
        `weight '${w.name}' has ${w.data.length} values, its shape [${w.shape}] needs ${n}`,
      );
    checkFinite(w);
    const spec: WeightSpec = { name: w.name, shape: [...w.shape], dtype: w.dtype };
    const q = w.dtype === 'float32' && w.quantize !== false ? quantization : 'float32';
    if (q === 'float32') {
      parts.push(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength).slice());
    } else if (q === 'float16') {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        const h = toFloat16Bits(w.data[i]);
        if (h < 0)
          throw new WeightEncodeError(
            `weight '${w.name}' has ${w.data[i]} at index ${i}, beyond float16's range ±${FLOAT16_MAX}; export it without --quantize float16`,
          );
        out[i] = h;
      }
      spec.quantization = { dtype: 'float16' };
      parts.push(new Uint8Array(out.buffer));
    } else {
      const { min, scale } = uint8Params(w.data as Float32Array);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++)
        out[i] = Math.min(255, Math.max(0, Math.round((w.data[i] - min) / scale)));
      spec.quantization = { dtype: 'uint8', min, scale };
      parts.push(out);
    }
    specs.push(spec);
  }
  const data = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    data.set(p, off);
    off += p.length;
  }
  return { specs, data };
}

/** Shard size tfjs' converter uses (4 MiB); weights may span shards. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** Splits weight bytes into shards named `group1-shard{i}of{n}.bin`. */
export function shardWeights(data: Uint8Array): { path: string; bytes: Uint8Array }[] {
  const n = Math.max(1, Math.ceil(data.length / SHARD_BYTES));
  const out: { path: string; bytes: Uint8Array }[] = [];
  for (let i = 0; i < n; i++)
    out.push({
      path: `group1-shard${i + 1}of${n}.bin`,
      bytes: data.subarray(i * SHARD_BYTES, Math.min(data.length, (i + 1) * SHARD_BYTES)),
    });
  return out;
}
