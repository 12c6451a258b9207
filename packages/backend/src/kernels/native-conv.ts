import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Conv2DInfo } from '../conv-geometry.js';
import type { WasmBackendLike } from './backend-io.js';
import { convArgs, packageFlag, wasmHeap } from './simd/index.js';

/**
 * tfjs environment flag: `false` (`tf.env().set(NATIVE_CONV_FLAG, false)`) makes the wasm
 * backend's convolutions skip the native kernels (then XNNPACK runs the forward pass and the
 * wasm SIMD kernels the gradients). Default: true, unless the environment variable
 * `BURNIN_NATIVE=0` is set.
 */
export const NATIVE_CONV_FLAG = 'BURNIN_NATIVE_CONV';

/**
 * The native conv kernels (Node only, x86-64 with AVX2 + FMA or AVX-512): each takes the wasm
 * heap's ArrayBuffer, the byte offsets of its two inputs and its output in it, then N, H, W, C,
 * OH, OW, OC, FH, FW, strides, dilations, padding top and left (NHWC, float32).
 */
export interface NativeConvKernels {
  /** The build that runs: 'avx512' or 'avx2'. */
  readonly isa: string;
  conv2d(heap: ArrayBufferLike, ...args: number[]): void;
  /**
   * `conv2d`'s arguments, then the byte offset of a float32 bias of OC values (or -1 for none)
   * and relu (1) or not (0): the bias is added to each output pixel and the relu applied (as
   * tfjs-backend-wasm's Relu: the bits as an int32, max with 0) before the output is stored.
   */
  conv2dBiasActivation(heap: ArrayBufferLike, ...args: number[]): void;
  conv2dBackpropInput(heap: ArrayBufferLike, ...args: number[]): void;
  conv2dBackpropFilter(heap: ArrayBufferLike, ...args: number[]): void;
  /**
   * `c = op(a) x op(b)` per batch item: byte offsets of a, b and c, then batch, M, K, N,
   * batchA, batchB (1 or batch: how many matrices a and b hold), transposeA, transposeB (0 / 1).
   */
  batchMatMul(heap: ArrayBufferLike, ...args: number[]): void;
  /**
   * One Adam update: byte offsets of w, m, v, g, w1, m1, v1 (float32, n elements each), n, then
   * b1, 1 - b1, b2, 1 - b2, 1 - b1^t, 1 - b2^t, epsilon, -lr (see kernels/adam-update.ts).
   */
  adamUpdate(heap: ArrayBufferLike, ...args: number[]): void;
  /**
   * Nearest-neighbour upsampling by whole factors: byte offsets of x [N, H, W, C] and y
   * [N, H * fy, W * fx, C], then N, H, W, C, fy, fx (output pixel (r, c) = input (r / fy, c / fx)).
   */
  resizeNearestUp(heap: ArrayBufferLike, ...args: number[]): void;
  /** `dst[i] += src[i]` over two Float32Arrays of one length (any backing buffer). */
  addInto(dst: Float32Array, src: Float32Array): void;
  /**
   * The threads the conv and matmul kernels use when this JavaScript thread calls them (itself
   * included), an integer from 1 to 64 (default 1); returns it. Each output element is computed
   * by one thread in a fixed order, so every count gives the same bits.
   */
  setThreads(threads: number): number;
}

let installed: NativeConvKernels | null = null;

/** Sets (or, with null, removes) the native kernels the wasm conv kernels try first. */
export function setNativeConvKernels(kernels: NativeConvKernels | null): void {
  installed = kernels;
}

/** The native kernels in use, or null (none loaded, or switched off by the flag). */
export function nativeConvKernels(): NativeConvKernels | null {
  if (installed == null) return null;
  const on = packageFlag(
    NATIVE_CONV_FLAG,
    () =>
      !(
        typeof process !== 'undefined' &&
        (process as { env?: Record<string, string | undefined> }).env?.BURNIN_NATIVE === '0'
      ),
  );
  return on ? installed : null;
}

/** How often each native kernel ran (for tests and benchmarks). */
export const nativeStats = {
  forward: 0,
  filter: 0,
  input: 0,
  adam: 0,
  matMul: 0,
  fused: 0,
  resize: 0,
};

/**
 * A new float32 output of `shape` for a native kernel, with the wasm heap's buffer and tensor
 * offsets read after the allocation (it may grow the memory: a new buffer); null where the heap
 * cannot be handed over (not found, or the threaded build's SharedArrayBuffer, which Node-API
 * refuses).
 */
export function nativeOutput(
  backend: WasmBackendLike,
  shape: number[],
): { out: TensorInfo; heap: NonNullable<ReturnType<typeof wasmHeap>> } | null {
  const before = wasmHeap(backend);
  if (before == null || !(before.buffer instanceof ArrayBuffer)) return null;
  const out = backend.makeOutput(shape, 'float32');
  return { out, heap: wasmHeap(backend) as NonNullable<ReturnType<typeof wasmHeap>> };
}

/** What a native forward convolution does to each output pixel before storing it. */
export interface ConvEpilogue {
  /** Float32 bias of the output channels' count, or null. */
  bias: TensorInfo | null;
  relu: boolean;
}

/**
 * Runs a native conv kernel on the wasm heap: 'forward' takes (x, filter) and makes y (with
 * `epilogue`, the bias and relu applied as it is stored), 'input' takes (dy, filter) and makes
 * dx, 'filter' takes (x, dy) and makes dW. Null when no native kernel applies (none loaded,
 * NCHW, dtypes other than float32, not the wasm backend): the caller then runs its wasm kernel.
 */
export function nativeConv(
  kind: 'forward' | 'input' | 'filter',
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  info: Conv2DInfo,
  outShape: number[],
  epilogue?: ConvEpilogue,
): TensorInfo | null {
  const kernels = nativeConvKernels();
  if (kernels == null || info.dataFormat !== 'channelsLast') return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (epilogue?.bias != null && epilogue.bias.dtype !== 'float32') return null;
  const made = nativeOutput(backend, outShape);
  if (made == null) return null;
  const { out, heap } = made;
  const args = [heap.offset(a), heap.offset(b), heap.offset(out), ...convArgs(info)];

  if (kind === 'forward' && epilogue != null) {
    const bias = epilogue.bias == null ? -1 : heap.offset(epilogue.bias);
    kernels.conv2dBiasActivation(heap.buffer, ...args, bias, epilogue.relu ? 1 : 0);
    nativeStats.fused++;
  } else if (kind === 'forward') kernels.conv2d(heap.buffer, ...args);
  else if (kind === 'input') kernels.conv2dBackpropInput(heap.buffer, ...args);
  else kernels.conv2dBackpropFilter(heap.buffer, ...args);
  nativeStats[kind]++;
  return out;
}
