import {
  ResizeNearestNeighborGrad,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { bothBackends } from './backend-io.js';
import { simdResizeNearestGrad } from './simd/index.js';

/**
 * Source index along one axis for each of `newSize` outputs of tfjs's forward
 * `resizeNearestNeighbor` (same arithmetic as its cpu kernel).
 */
export function nearestSourceIndices(
  oldSize: number,
  newSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): Int32Array {
  const effectiveIn = alignCorners && newSize > 1 ? oldSize - 1 : oldSize;
  const effectiveOut = alignCorners && newSize > 1 ? newSize - 1 : newSize;
  const ratio = effectiveIn / effectiveOut;
  const out = new Int32Array(newSize);
  for (let i = 0; i < newSize; i++) {
    const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    let src = Math.min(oldSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) src = Math.max(0, src);
    out[i] = src;
  }
  return out;
}

/**
 * Gradient of nearest-neighbour resizing (NHWC), the exact adjoint of the forward op: every
 * output pixel's `dy` is added to the input pixel it was copied from. (tfjs 4.22's cpu kernel
 * is wrong for batch > 1; its wasm kernel disagrees with this adjoint when downsampling with
 * `halfPixelCenters`.)
 * `images` shape [N, H, W, C], `dy` shape [N, newH, newW, C]; writes every element of `dx`.
 */
export function resizeNearestGradient(
  dy: ArrayLike<number>,
  imageShape: number[],
  dyShape: number[],
  alignCorners: boolean,
  halfPixelCenters: boolean,
  dx: Float32Array,
): void {
  const [N, H, W, C] = imageShape;
  const [, OH, OW] = dyShape;
  const rows = nearestSourceIndices(H, OH, alignCorners, halfPixelCenters);
  const cols = nearestSourceIndices(W, OW, alignCorners, halfPixelCenters);
  dx.fill(0);
  let src = 0;
  for (let n = 0; n < N; n++) {
    for (let r = 0; r < OH; r++) {
      const rowBase = (n * H + rows[r]) * W;
      for (let c = 0; c < OW; c++) {
        const dst = (rowBase + cols[c]) * C;
        for (let ch = 0; ch < C; ch++) dx[dst + ch] += dy[src++];
      }
    }
  }
}

/**
 * `ResizeNearestNeighborGrad`: the exact adjoint of the forward op ({@link resizeNearestGradient});
 * wasm float32 with our SIMD kernel (csrc/elementwise.c, the same bits).
 */
export const resizeNearestNeighborGradKernel = bothBackends<
  { images: TensorInfo; dy: TensorInfo },
  ResizeNearestNeighborGradAttrs
>(ResizeNearestNeighborGrad, ({ images, dy }, attrs, io) => {
  const { alignCorners, halfPixelCenters } = attrs;
  const [, H, W] = images.shape;
  const [, OH, OW] = dy.shape;
  const simd =
    io.wasm &&
    simdResizeNearestGrad(
      io.wasm,
      dy,
      images.shape,
      nearestSourceIndices(H, OH, alignCorners, halfPixelCenters),
      nearestSourceIndices(W, OW, alignCorners, halfPixelCenters),
    );
  return (
    simd ??
    io.output(images.shape.slice(), 'float32', (dx) =>
      resizeNearestGradient(
        io.values(dy),
        images.shape,
        dy.shape,
        alignCorners,
        halfPixelCenters,
        dx,
      ),
    )
  );
});
