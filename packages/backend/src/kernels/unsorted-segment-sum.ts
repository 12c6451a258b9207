import {
  type TensorInfo,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { bothBackends } from './backend-io.js';

/**
 * Sums the rows of `x` into segments: with `segmentIds` of `ids.length` elements covering the
 * leading dimensions of `x` and `inner` = the size of one row, `out[s * inner + j]` accumulates
 * `x[i * inner + j]` for every i with `ids[i] === s`. Ids outside [0, numSegments) are dropped
 * (their rows contribute nothing), as in the cpu backend. Writes every element of `out`.
 */
export function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

/**
 * `UnsortedSegmentSum` (the gradient of `tf.gather`; missing on wasm, the stock cpu kernel runs
 * ops per segment): one pass over the rows ({@link segmentSum}); int32 stays int32, every other
 * dtype sums into float32.
 */
export const unsortedSegmentSumKernel = bothBackends<
  { x: TensorInfo; segmentIds: TensorInfo },
  UnsortedSegmentSumAttrs
>(UnsortedSegmentSum, ({ x, segmentIds }, { numSegments }, io) => {
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const inner = rowShape.reduce((p, d) => p * d, 1);
  const shape = [numSegments, ...rowShape];
  const fill = (out: Float32Array | Int32Array) =>
    segmentSum(io.values(x), io.values(segmentIds), inner, numSegments, out);
  return x.dtype === 'int32' ? io.output(shape, 'int32', fill) : io.output(shape, 'float32', fill);
});
