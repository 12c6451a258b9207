import { env, type TensorInfo } from '@tensorflow/tfjs-core';
import type { Conv2DInfo } from '../../conv-geometry.js';
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
};

type Convolve = (
  a: number,
  b: number,
  out: number,
  scratch: number,
  N: number,
  H: number,
  W: number,
  IC: number,
  OH: number,
  OW: number,
  OC: number,
  FH: number,
  FW: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  padT: number,
  padL: number,
) => void;

/**
 * A sliding-window kernel over NHWC data (three heap pointers, then the window geometry): the
 * depthwise convolution gradients and the pooling gradients share this signature.
 */
type WindowKernel = (
  a: number,
  b: number,
  out: number,
  N: number,
  H: number,
  W: number,
  C: number,
  OH: number,
  OW: number,
  FH: number,
  FW: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  padT: number,
  padL: number,
) => void;

interface ConvGradExports {
  max_pool_grad: WindowKernel;
  avg_pool_grad(dy: number, dx: number, ...geometry: number[]): void;
  column_sum(x: number, out: number, comp: number, R: number, C: number, scale: number): void;
  depthwise_backprop_filter: WindowKernel;
  depthwise_backprop_input: WindowKernel;
  bpf_scratch_floats(FH: number, FW: number, IC: number, OC: number): number;
  conv2d_backprop_filter: Convolve;
  bpi_scratch_floats(FH: number, FW: number, IC: number, OC: number): number;
  conv2d_backprop_input: Convolve;
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

function flag(name: string): boolean {
  const e = env();
  const registry = (e as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry;
  if (registry[name] == null) e.registerFlag(name, () => true);
  return e.getBool(name);
}

/** Whether this package's SIMD kernels may run (the tfjs flag, registered on first use). */
export function simdKernelsEnabled(): boolean {
  return flag(SIMD_KERNELS_FLAG);
}

/** Whether the SIMD conv-gradient kernels may run (both tfjs flags, registered on first use). */
export function simdConvGradientsEnabled(): boolean {
  return flag(SIMD_CONV_GRADIENTS_FLAG) && simdKernelsEnabled();
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

const f32 = (t: TensorInfo) => t.dtype === 'float32';

function run(
  bound: Bound,
  kernel: 'filter' | 'input',
  a: TensorInfo,
  b: TensorInfo,
  outShape: number[],
  info: Conv2DInfo,
): TensorInfo | null {
  const { exports, module, backend } = bound;
  const { filterHeight: FH, filterWidth: FW, inChannels: IC, outChannels: OC } = info;
  const floats =
    kernel === 'filter'
      ? exports.bpf_scratch_floats(FH, FW, IC, OC)
      : exports.bpi_scratch_floats(FH, FW, IC, OC);
  const scratch = module._malloc(floats * 4) >>> 0;
  if (scratch === 0) return null;
  const out = backend.makeOutput(outShape, 'float32');
  const fn = kernel === 'filter' ? exports.conv2d_backprop_filter : exports.conv2d_backprop_input;
  fn(
    backend.getMemoryOffset(a.dataId),
    backend.getMemoryOffset(b.dataId),
    backend.getMemoryOffset(out.dataId),
    scratch,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    IC,
    info.outHeight,
    info.outWidth,
    OC,
    FH,
    FW,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  module._free(scratch);
  simdStats[kernel]++;
  return out;
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
  if (info.dataFormat !== 'channelsLast' || !f32(x) || !f32(dy)) return null;
  const bound = bind(backend);
  return bound == null ? null : run(bound, 'filter', x, dy, filterShape, info);
}

/** `dx` of an NHWC float32 convolution with the SIMD kernel, or null (see above). */
export function simdConv2DBackpropInput(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
  inputShape: number[],
): TensorInfo | null {
  if (info.dataFormat !== 'channelsLast' || !f32(dy) || !f32(filter)) return null;
  const bound = bind(backend);
  return bound == null ? null : run(bound, 'input', dy, filter, inputShape, info);
}

/**
 * Depthwise gradients (channel multiplier 1, float32) with the SIMD kernels, or null when they do
 * not apply (other multipliers or dtypes, no usable wasm memory): `kind` 'filter' takes (x, dy),
 * 'input' takes (dy, filter).
 */
export function simdDepthwiseBackprop(
  backendLike: WasmBackendLike,
  kind: 'filter' | 'input',
  a: TensorInfo,
  b: TensorInfo,
  info: Conv2DInfo,
  outShape: number[],
): TensorInfo | null {
  if (info.outChannels !== info.inChannels || !f32(a) || !f32(b)) return null;
  const bound = bind(backendLike);
  if (bound == null) return null;
  const { exports, backend } = bound;
  const out = backend.makeOutput(outShape, 'float32');
  const fn =
    kind === 'filter' ? exports.depthwise_backprop_filter : exports.depthwise_backprop_input;
  fn(
    backend.getMemoryOffset(a.dataId),
    backend.getMemoryOffset(b.dataId),
    backend.getMemoryOffset(out.dataId),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  simdStats[kind === 'filter' ? 'depthwiseFilter' : 'depthwiseInput']++;
  return out;
}

/** The geometry of a pooling gradient, as the C kernels take it (NHWC). */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

function poolArgs(i: PoolGeometry) {
  return [
    i.batchSize,
    i.inHeight,
    i.inWidth,
    i.inChannels,
    i.outHeight,
    i.outWidth,
    i.filterHeight,
    i.filterWidth,
    i.strideHeight,
    i.strideWidth,
    i.dilationHeight,
    i.dilationWidth,
    i.padInfo.top,
    i.padInfo.left,
  ] as const;
}

/**
 * `MaxPoolGrad` (NHWC float32) with the SIMD kernel, or null when it does not apply (other
 * dtypes, no usable wasm memory, {@link SIMD_KERNELS_FLAG} off): then the JS kernel runs.
 */
export function simdMaxPoolGrad(
  backendLike: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: PoolGeometry,
): TensorInfo | null {
  if (!f32(x) || !f32(dy)) return null;
  const bound = bind(backendLike, simdKernelsEnabled);
  if (bound == null) return null;
  const { exports, backend } = bound;
  const out = backend.makeOutput(x.shape.slice(), 'float32');
  exports.max_pool_grad(
    backend.getMemoryOffset(x.dataId),
    backend.getMemoryOffset(dy.dataId),
    backend.getMemoryOffset(out.dataId),
    ...poolArgs(info),
  );
  simdStats.maxPoolGrad++;
  return out;
}

/** `AvgPoolGrad` (NHWC float32) with the SIMD kernel, or null (see {@link simdMaxPoolGrad}). */
export function simdAvgPoolGrad(
  backendLike: WasmBackendLike,
  dy: TensorInfo,
  inputShape: number[],
  info: PoolGeometry,
): TensorInfo | null {
  if (!f32(dy)) return null;
  const bound = bind(backendLike, simdKernelsEnabled);
  if (bound == null) return null;
  const { exports, backend } = bound;
  const out = backend.makeOutput(inputShape.slice(), 'float32');
  exports.avg_pool_grad(
    backend.getMemoryOffset(dy.dataId),
    backend.getMemoryOffset(out.dataId),
    ...poolArgs(info),
  );
  simdStats.avgPoolGrad++;
  return out;
}

/**
 * `scale` times the column sums of the float32 tensor `x` seen as [rows, cols] (the sum over its
 * leading axes), as a new float32 tensor of shape `outShape`; null when the SIMD kernels do not
 * apply (then the caller delegates to the stock kernel).
 */
export function simdColumnSum(
  backendLike: WasmBackendLike,
  x: TensorInfo,
  rows: number,
  cols: number,
  scale: number,
  outShape: number[],
): TensorInfo | null {
  if (!f32(x)) return null;
  const bound = bind(backendLike, simdKernelsEnabled);
  if (bound == null) return null;
  const { exports, module, backend } = bound;
  const comp = module._malloc(cols * 4) >>> 0;
  if (comp === 0) return null;
  const out = backend.makeOutput(outShape, 'float32');
  exports.column_sum(
    backend.getMemoryOffset(x.dataId),
    backend.getMemoryOffset(out.dataId),
    comp,
    rows,
    cols,
    scale,
  );
  module._free(comp);
  simdStats.columnSum++;
  return out;
}
