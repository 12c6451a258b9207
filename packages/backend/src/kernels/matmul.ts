import { BatchMatMul, getKernel, type TensorInfo } from '@tensorflow/tfjs-core';
import { type WasmBackendLike, wasmF32 } from './backend-io.js';

/**
 * Multiplies `a` [m, k] by `b` [k, n] (both float32, row-major, not transposed) with the wasm
 * backend's own registered `BatchMatMul` kernel (XNNPACK, SIMD) and returns a new [1, m, n]
 * tensor owned by the caller. Transposed operands take a much slower path in tfjs-backend-wasm
 * 4.x, so callers lay their operands out to avoid them.
 */
export function wasmMatMul(backend: WasmBackendLike, a: TensorInfo, b: TensorInfo): TensorInfo {
  const kernel = getKernel(BatchMatMul, 'wasm');
  if (kernel == null) {
    throw new Error("@burnin/backend: the wasm backend's BatchMatMul kernel is not registered");
  }
  return kernel.kernelFunc({
    inputs: { a, b },
    backend: backend as never,
    attrs: { transposeA: false, transposeB: false },
  }) as TensorInfo;
}

/** Largest number of float32 elements a temporary im2col matrix may hold (16 MiB). */
export const MAX_COLUMN_ELEMENTS = 1 << 22;

/**
 * How many images of a batch to process per chunk so that one image's `rowsPerImage x cols`
 * slab times the chunk stays under {@link MAX_COLUMN_ELEMENTS} (at least 1).
 */
export function imagesPerChunk(batch: number, rowsPerImage: number, cols: number): number {
  const perImage = Math.max(1, rowsPerImage * cols);
  return Math.max(1, Math.min(batch, Math.floor(MAX_COLUMN_ELEMENTS / perImage)));
}

/**
 * Rows [r0, r1) of the float32 matrix `m` ([rows, cols]) as a new [r1 - r0, cols] tensor that
 * the caller disposes, or `m` itself when the range is all of it.
 */
export function rowRange(
  backend: WasmBackendLike,
  m: TensorInfo,
  r0: number,
  r1: number,
  cols: number,
): TensorInfo {
  if (r0 === 0 && r1 * cols === m.shape.reduce((p, d) => p * d, 1)) return m;
  const part = backend.makeOutput([r1 - r0, cols], 'float32');
  wasmF32(backend, part).set(wasmF32(backend, m).subarray(r0 * cols, r1 * cols));
  return part;
}
