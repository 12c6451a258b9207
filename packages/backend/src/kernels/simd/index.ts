import { env, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { Conv2DInfo, WindowGeometry } from '../../conv-geometry.js';
import type { WasmBackendLike } from '../backend-io.js';
import { CONV_GRAD_WASM, CONV_GRAD_WASM_SHARED } from './kernels-wasm.js';

/**
 * tfjs environment flag: set it to `false` (`tf.env().set(SIMD_CONV_GRADIENTS_FLAG, false)`,
 * after the first conv gradient ran or {@link simdConvGradientsEnabled} was called) to make the
 * wasm conv-gradient kernels use their JS fallback.
 */
export const SIMD_CONV_GRADIENTS_FLAG = 'BURNIN_WASM_SIMD_CONV_GRADIENTS';

/**
 * tfjs environment flag for every SIMD kernel of this package (conv gradients, `MaxPoolGrad`,
 * `AvgPoolGrad`, leading-axes `Sum` / `Mean`): `false` makes them all use their JS fallbacks (or,
 * for `Sum` / `Mean`, the stock tfjs-wasm kernels). {@link SIMD_CONV_GRADIENTS_FLAG} still
 * switches off the conv gradients alone.
 */
export const SIMD_KERNELS_FLAG = 'BURNIN_WASM_SIMD_KERNELS';

/** How often each SIMD kernel ran (for tests and benchmarks). */
export const simdStats = {
  filter: 0,
  input: 0,
  depthwiseFilter: 0,
  depthwiseInput: 0,
  maxPoolGrad: 0,
  avgPoolGrad: 0,
  columnSum: 0,
  binaryRepeat: 0,
  batchNorm: 0,
  copyBlocks: 0,
  biasActivation: 0,
  resizeNearestGrad: 0,
  reluGrad: 0,
};

/**
 * A C kernel: its tensors' heap pointers (inputs, then the output), a scratch pointer where it
 * takes one, then its geometry (see the C sources for each kernel's argument list).
 */
type CKernel = (...args: number[]) => void;

interface ConvGradExports {
  max_pool_grad: CKernel;
  avg_pool_grad: CKernel;
  column_sum: CKernel;
  binary_repeat: CKernel;
  batch_norm: CKernel;
  copy_blocks: CKernel;
  bias_activation: CKernel;
  resize_nearest_grad: CKernel;
  relu_grad: CKernel;
  depthwise_backprop_filter: CKernel;
  depthwise_backprop_input: CKernel;
  bpf_scratch_floats(FH: number, FW: number, IC: number, OC: number): number;
  conv2d_backprop_filter: CKernel;
  bpi_scratch_floats(FH: number, FW: number, IC: number, OC: number): number;
  conv2d_backprop_input: CKernel;
}

/** The parts of tfjs-backend-wasm's emscripten module we use. */
interface EmscriptenModuleLike {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
}

interface WasmBackendInternals extends WasmBackendLike {
  wasm?: EmscriptenModuleLike;
  getMemoryOffset(dataId: object): number;
}

/** The parts of the WebAssembly JS API we use (this package compiles without DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const instances = new WeakMap<WasmMemory, ConvGradExports | null>();

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function instantiate(api: WasmApi, memory: WasmMemory): ConvGradExports | null {
  try {
    const shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    // Synchronous compile: fine in Node and workers; browsers' main threads refuse modules
    // over 4 KB, and then the JS kernels run instead.
    const module = new api.Module(decodeBase64(shared ? CONV_GRAD_WASM_SHARED : CONV_GRAD_WASM));
    const instance = new api.Instance(module, { env: { memory } });
    return instance.exports as unknown as ConvGradExports;
  } catch {
    return null;
  }
}

/** A boolean tfjs flag of this package, registered on first use with `initial` as its default. */
export function packageFlag(name: string, initial: () => boolean = () => true): boolean {
  const e = env();
  const registry = (e as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry;
  if (registry[name] == null) e.registerFlag(name, initial);
  return e.getBool(name);
}

/** Whether this package's SIMD kernels may run (the tfjs flag, registered on first use). */
export function simdKernelsEnabled(): boolean {
  return packageFlag(SIMD_KERNELS_FLAG);
}

/** Whether the SIMD conv-gradient kernels may run (both tfjs flags, registered on first use). */
export function simdConvGradientsEnabled(): boolean {
  return packageFlag(SIMD_CONV_GRADIENTS_FLAG) && simdKernelsEnabled();
}

interface Bound {
  exports: ConvGradExports;
  module: EmscriptenModuleLike;
  backend: WasmBackendInternals;
}

function bind(backendLike: WasmBackendLike, enabled = simdConvGradientsEnabled): Bound | null {
  if (!enabled()) return null;
  const backend = backendLike as WasmBackendInternals;
  const module = backend.wasm;
  if (module == null || typeof module._malloc !== 'function') return null;
  if (typeof backend.getMemoryOffset !== 'function') return null;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (wasmApi == null || !(memory instanceof wasmApi.Memory)) return null;
  let exports = instances.get(memory);
  if (exports === undefined) {
    exports = instantiate(wasmApi, memory);
    instances.set(memory, exports);
  }
  return exports == null ? null : { exports, module, backend };
}

/**
 * The wasm backend's heap (its memory's current buffer: re-read it after any allocation) and
 * the byte offset of a tensor in it; null when the backend is not tfjs-backend-wasm.
 */
export function wasmHeap(
  backendLike: WasmBackendLike,
): { buffer: ArrayBufferLike; offset(t: TensorInfo): number } | null {
  const backend = backendLike as WasmBackendInternals;
  const module = backend.wasm;
  if (module == null || typeof backend.getMemoryOffset !== 'function') return null;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (wasmApi == null || !(memory instanceof wasmApi.Memory)) return null;
  return { buffer: memory.buffer, offset: (t) => backend.getMemoryOffset(t.dataId) };
}

const f32 = (t: TensorInfo) => t.dtype === 'float32';

/**
 * Runs `kernel` with the heap pointers of `inputs` (0 for a null input) and of a new float32
 * output of `outShape`, then (when `scratchFloats` > 0) a scratch block of that many floats
 * allocated with tfjs's `_malloc` and freed afterwards, then `args`. Null when the scratch block
 * cannot be allocated.
 */
function call(
  { module, backend }: Bound,
  kernel: CKernel,
  stat: keyof typeof simdStats,
  inputs: readonly (TensorInfo | null)[],
  outShape: number[],
  scratchFloats: number,
  args: readonly number[],
): TensorInfo | null {
  const scratch = scratchFloats > 0 ? module._malloc(scratchFloats * 4) >>> 0 : 0;
  if (scratchFloats > 0 && scratch === 0) return null;
  const out = backend.makeOutput(outShape, 'float32');
  // (a missing optional input is the null pointer)
  const pointers = [...inputs, out].map((t) => (t == null ? 0 : backend.getMemoryOffset(t.dataId)));
  kernel(...pointers, ...(scratchFloats > 0 ? [scratch] : []), ...args);
  if (scratch !== 0) module._free(scratch);
  simdStats[stat]++;
  return out;
}

/** The geometry of a window kernel (NHWC), as the C kernels take it. */
export interface KernelGeometry extends WindowGeometry {
  batchSize: number;
  inChannels: number;
}

/** N, H, W, C, OH, OW, FH, FW, strides, dilations, padding top and left (window kernels). */
function windowArgs(i: KernelGeometry): number[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = i;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = i;
  return [
    ...[batchSize, inHeight, inWidth, inChannels, outHeight, outWidth],
    ...[filterHeight, filterWidth, strideHeight, strideWidth],
    ...[i.dilationHeight, i.dilationWidth, i.padInfo.top, i.padInfo.left],
  ];
}

/**
 * The geometry a dense conv kernel takes (ours in C and the native ones): the
 * {@link windowArgs} with OC after OW.
 */
export function convArgs(info: Conv2DInfo): number[] {
  const args = windowArgs(info);
  args.splice(6, 0, info.outChannels);
  return args;
}

/** A dense conv gradient (see {@link convArgs}). */
function convolve(
  kind: 'filter' | 'input',
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  info: Conv2DInfo,
  outShape: number[],
): TensorInfo | null {
  if (info.dataFormat !== 'channelsLast' || !f32(a) || !f32(b)) return null;
  const bound = bind(backend);
  if (bound == null) return null;
  const { exports: e } = bound;
  const { filterHeight: FH, filterWidth: FW, inChannels: IC, outChannels: OC } = info;
  const filter = kind === 'filter';
  const scratch = filter
    ? e.bpf_scratch_floats(FH, FW, IC, OC)
    : e.bpi_scratch_floats(FH, FW, IC, OC);
  const args = convArgs(info);
  const kernel = filter ? e.conv2d_backprop_filter : e.conv2d_backprop_input;
  return call(bound, kernel, kind, [a, b], outShape, scratch, args);
}

/**
 * `dW` of an NHWC float32 convolution with the SIMD kernel, or null when it does not apply
 * (NCHW, other dtypes, no usable wasm memory): then the caller runs its JS fallback.
 */
export function simdConv2DBackpropFilter(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
  filterShape: number[],
): TensorInfo | null {
  return convolve('filter', backend, x, dy, info, filterShape);
}

/** `dx` of an NHWC float32 convolution with the SIMD kernel, or null (see above). */
export function simdConv2DBackpropInput(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  inputShape: number[],
): TensorInfo | null {
  return convolve('input', backend, dy, filter, info, inputShape);
}

/**
 * Depthwise gradients (channel multiplier 1, float32) with the SIMD kernels, or null when they do
 * not apply (other multipliers or dtypes, no usable wasm memory): `kind` 'filter' takes (x, dy),
 * 'input' takes (dy, filter).
 */
export function simdDepthwiseBackprop(
  backend: WasmBackendLike,
  kind: 'filter' | 'input',
  a: TensorInfo,
  b: TensorInfo,
  info: Conv2DInfo,
  outShape: number[],
): TensorInfo | null {
  if (info.outChannels !== info.inChannels || !f32(a) || !f32(b)) return null;
  const bound = bind(backend);
  if (bound == null) return null;
  const filter = kind === 'filter';
  const kernel = filter
    ? bound.exports.depthwise_backprop_filter
    : bound.exports.depthwise_backprop_input;
  const stat = filter ? 'depthwiseFilter' : 'depthwiseInput';
  return call(bound, kernel, stat, [a, b], outShape, 0, windowArgs(info));
}

/**
 * `MaxPoolGrad` (NHWC float32) with the SIMD kernel, or null when it does not apply (other
 * dtypes, no usable wasm memory, {@link SIMD_KERNELS_FLAG} off): then the JS kernel runs.
 */
export function simdMaxPoolGrad(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: KernelGeometry,
): TensorInfo | null {
  const bound = f32(x) && f32(dy) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const kernel = bound.exports.max_pool_grad;
  return call(bound, kernel, 'maxPoolGrad', [x, dy], x.shape.slice(), 0, windowArgs(info));
}

/** `AvgPoolGrad` (NHWC float32) with the SIMD kernel, or null (see {@link simdMaxPoolGrad}). */
export function simdAvgPoolGrad(
  backend: WasmBackendLike,
  dy: TensorInfo,
  inputShape: number[],
  info: KernelGeometry,
): TensorInfo | null {
  const bound = f32(dy) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const kernel = bound.exports.avg_pool_grad;
  return call(bound, kernel, 'avgPoolGrad', [dy], inputShape.slice(), 0, windowArgs(info));
}

/**
 * `scale` times the column sums of the float32 tensor `x` seen as [rows, cols] (the sum over its
 * leading axes), as a new float32 tensor of shape `outShape`; null when the SIMD kernels do not
 * apply (then the caller delegates to the stock kernel). The scratch block holds the Kahan
 * compensations of the column totals.
 */
export function simdColumnSum(
  backend: WasmBackendLike,
  x: TensorInfo,
  rows: number,
  cols: number,
  scale: number,
  outShape: number[],
): TensorInfo | null {
  const bound = f32(x) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const kernel = bound.exports.column_sum;
  return call(bound, kernel, 'columnSum', [x], outShape, cols, [rows, cols, scale]);
}

/** The binary operations of {@link simdBinaryRepeat}, as its C kernel numbers them. */
export const BINARY_OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/**
 * `full op part` (or `part op full` when `partFirst`) for float32 `full` of `rows * period`
 * elements and `part` of `period` elements repeating along the leading axes (a bias against an
 * NHWC tensor), as a new float32 tensor of shape `outShape`; null when the SIMD kernels do not
 * apply (then the caller delegates to the stock kernel).
 */
export function simdBinaryRepeat(
  backend: WasmBackendLike,
  op: keyof typeof BINARY_OPS,
  full: TensorInfo,
  part: TensorInfo,
  partFirst: boolean,
  rows: number,
  period: number,
  outShape: number[],
): TensorInfo | null {
  const bound = f32(full) && f32(part) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const args = [BINARY_OPS[op], partFirst ? 1 : 0, rows, period];
  return call(bound, bound.exports.binary_repeat, 'binaryRepeat', [full, part], outShape, 0, args);
}

/**
 * tfjs's `FusedBatchNorm` kernel for float32 `x` seen as [rows, channels] and per-channel float32
 * `mean`, `variance` and optional `offset` and `scale` (each of `channels` elements); null when
 * the SIMD kernels do not apply.
 */
export function simdBatchNorm(
  backend: WasmBackendLike,
  x: TensorInfo,
  params: { mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo },
  epsilon: number,
  rows: number,
  channels: number,
): TensorInfo | null {
  const { mean, variance, offset, scale } = params;
  const all = [x, mean, variance, offset, scale].filter((t) => t != null);
  const bound = all.every(f32) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const inputs = [x, mean, variance, offset ?? null, scale ?? null];
  const args = [rows, channels, epsilon, offset != null ? 1 : 0, scale != null ? 1 : 0];
  return call(bound, bound.exports.batch_norm, 'batchNorm', inputs, x.shape.slice(), 0, args);
}

/**
 * The C block copy of csrc/elementwise.c bound to `backend`'s memory:
 * `(src, dst, n0, n1, run, s0, s1, d0, d1)`, src and dst heap byte offsets, the rest counts and
 * strides in 4-byte elements; null when the SIMD kernels do not apply.
 */
export function simdCopyBlocks(backend: WasmBackendLike): CKernel | null {
  const bound = bind(backend, simdKernelsEnabled);
  return bound == null ? null : bound.exports.copy_blocks;
}

/**
 * The in-place `y = act(y + bias)` of csrc/elementwise.c for float32 `y` seen as
 * [rows, channels] and an optional float32 `bias` of `channels` elements, `act` relu (as
 * tfjs-backend-wasm's Relu: every value with the sign bit set becomes +0) or the identity:
 * `(y, bias, rows, channels, relu)`; null when the SIMD kernels do not apply (check before
 * computing `y`).
 */
export function simdBiasActivation(
  backend: WasmBackendLike,
):
  | ((
      y: TensorInfo,
      bias: TensorInfo | null,
      rows: number,
      channels: number,
      relu: boolean,
    ) => void)
  | null {
  const bound = bind(backend, simdKernelsEnabled);
  if (bound == null) return null;
  return (y, bias, rows, channels, relu) => {
    const off = (t: TensorInfo) => bound.backend.getMemoryOffset(t.dataId);
    const b = bias == null ? 0 : off(bias);
    bound.exports.bias_activation(off(y), b, rows, channels, bias == null ? 0 : 1, relu ? 1 : 0);
    simdStats.biasActivation++;
  };
}

/**
 * `ResizeNearestNeighborGrad` (NHWC float32 `dy`) with the SIMD kernel of csrc/elementwise.c:
 * `dy`'s pixels added into a zeroed `imageShape` output at source rows `rows` and columns
 * `cols` (see nearestSourceIndices), bit-identical to the JS kernel; null when the SIMD kernels
 * do not apply or the index block cannot be allocated.
 */
export function simdResizeNearestGrad(
  backend: WasmBackendLike,
  dy: TensorInfo,
  imageShape: number[],
  rows: Int32Array,
  cols: Int32Array,
): TensorInfo | null {
  const bound = f32(dy) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const { module, backend: b } = bound;
  const idx = module._malloc((rows.length + cols.length) * 4) >>> 0;
  if (idx === 0) return null;
  const out = b.makeOutput(imageShape.slice(), 'float32');
  // (after the allocations, which may grow the heap)
  const heap = wasmHeap(b);
  if (heap == null) throw new Error('@burnin/backend: the wasm heap disappeared');
  const view = new Int32Array(heap.buffer, idx, rows.length + cols.length);
  view.set(rows);
  view.set(cols, rows.length);
  const [N, H, W, C] = imageShape;
  const [, OH, OW] = dy.shape;
  bound.exports.resize_nearest_grad(heap.offset(dy), heap.offset(out), idx, N, H, W, C, OH, OW);
  module._free(idx);
  simdStats.resizeNearestGrad++;
  return out;
}

/**
 * `dy * step(y)` (float32, same shapes) with the SIMD kernel of csrc/elementwise.c, as a new
 * tensor; null when the SIMD kernels do not apply.
 */
export function simdReluGrad(
  backend: WasmBackendLike,
  dy: TensorInfo,
  y: TensorInfo,
): TensorInfo | null {
  const bound = f32(dy) && f32(y) ? bind(backend, simdKernelsEnabled) : null;
  if (bound == null) return null;
  const n = util.sizeFromShape(dy.shape);
  return call(bound, bound.exports.relu_grad, 'reluGrad', [dy, y], dy.shape.slice(), 0, [n]);
}
