import { type TensorInfo, Tile, type TileAttrs } from '@tensorflow/tfjs-core';
import { type NumericArray, wasmKernel, wasmView } from './backend-io.js';

type Ctor = Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/**
 * Tiles `x` (shape `shape`) `reps[i]` times along each axis into `out` (shape
 * `shape[i] * reps[i]`), one axis at a time from the innermost, copying whole contiguous blocks.
 * Writes every element of `out`.
 */
export function tileInto(
  x: NumericArray,
  shape: readonly number[],
  reps: readonly number[],
  out: NumericArray,
): void {
  const rank = shape.length;
  const current = shape.slice();
  let src: NumericArray = x;
  const lastTiled = reps.findIndex((r) => r !== 1);
  if (lastTiled < 0) {
    out.set(src);
    return;
  }
  for (let axis = rank - 1; axis >= 0; axis--) {
    const r = reps[axis];
    if (r === 1) continue;
    let inner = 1;
    for (let i = axis; i < rank; i++) inner *= current[i];
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= current[i];
    const dst = axis === lastTiled ? out : new (src.constructor as Ctor)(outer * r * inner);
    for (let o = 0; o < outer; o++) {
      const from = o * inner;
      let to = o * r * inner;
      if (inner >= 32) {
        const block = src.subarray(from, from + inner);
        for (let k = 0; k < r; k++, to += inner) dst.set(block, to);
      } else {
        for (let k = 0; k < r; k++) {
          for (let j = 0; j < inner; j++) dst[to++] = src[from + j];
        }
      }
    }
    current[axis] *= r;
    src = dst;
  }
}

/** `Tile` for wasm: block copies (tfjs-backend-wasm's own is a slow per-element loop). */
export const wasmTileKernel = wasmKernel<{ x: TensorInfo }, TileAttrs>(
  Tile,
  ({ x }, { reps }, backend) => {
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      throw new TypeError(
        `@burnin/backend: Tile on wasm supports numeric tensors, got '${x.dtype}'`,
      );
    }
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    tileInto(wasmView(backend, x), x.shape, reps, wasmView(backend, out));
    return out;
  },
);
