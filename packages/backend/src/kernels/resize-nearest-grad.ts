import {
  type KernelConfig,
  type KernelFunc,
  ResizeNearestNeighborGrad,
  type ResizeNearestNeighborGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type CpuBackendLike, cpuValues, type WasmBackendLike, wasmF32 } from './backend-io.js';

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

interface Args {
  inputs: { images: TensorInfo; dy: TensorInfo };
  backend: unknown;
  attrs: ResizeNearestNeighborGradAttrs;
}

function cpuKernel({ inputs, backend, attrs }: Args): TensorInfo {
  const b = backend as CpuBackendLike;
  const shape = inputs.images.shape;
  const dx = new Float32Array(shape.reduce((p, d) => p * d, 1));
  resizeNearestGradient(
    cpuValues(b, inputs.dy),
    shape,
    inputs.dy.shape,
    attrs.alignCorners,
    attrs.halfPixelCenters,
    dx,
  );
  return b.makeTensorInfo(shape.slice(), 'float32', dx);
}

function wasmKernel({ inputs, backend, attrs }: Args): TensorInfo {
  const b = backend as WasmBackendLike;
  const shape = inputs.images.shape;
  const out = b.makeOutput(shape.slice(), 'float32');
  resizeNearestGradient(
    wasmF32(b, inputs.dy),
    shape,
    inputs.dy.shape,
    attrs.alignCorners,
    attrs.halfPixelCenters,
    wasmF32(b, out),
  );
  return out;
}

export const cpuResizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel as unknown as KernelFunc,
};
export const wasmResizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel as unknown as KernelFunc,
};
