import type {
  DataId,
  DataType,
  KernelConfig,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's `BackendWasm` our kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

/** The parts of tfjs-backend-cpu's `MathBackendCPU` our kernels use. */
export interface CpuBackendLike {
  data: { get(dataId: DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: DataType, values?: unknown): TensorInfo;
}

/** Numeric typed array of a tensor (float32, int32 or bool). */
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** The typed array of an output dtype. */
export type OutputArray<D extends 'float32' | 'int32'> = D extends 'int32'
  ? Int32Array
  : Float32Array;

/** Reads a cpu-backend tensor's values without copying. */
export function cpuValues(backend: CpuBackendLike, info: TensorInfo): NumericArray {
  const values = backend.data.get(info.dataId).values;
  if (
    !(values instanceof Float32Array) &&
    !(values instanceof Int32Array) &&
    !(values instanceof Uint8Array)
  ) {
    throw new TypeError(`@burnin/backend: expected numeric tensor data, got dtype '${info.dtype}'`);
  }
  return values;
}

/** A view on a wasm-backend tensor's heap memory. Invalid after the next wasm allocation. */
export function wasmView(backend: WasmBackendLike, info: TensorInfo): NumericArray {
  return backend.typedArrayFromHeap(info);
}

/** A float32 view on a wasm-backend tensor's heap memory. */
export function wasmF32(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) {
    throw new TypeError(`@burnin/backend: expected a float32 tensor, got dtype '${info.dtype}'`);
  }
  return view;
}

/**
 * How a kernel written once for both backends reads its inputs and makes its outputs, without
 * knowing which backend runs it.
 */
export interface KernelIO {
  /** The wasm backend when it runs the kernel (for our SIMD kernels and wasm's matmul), else null. */
  readonly wasm: WasmBackendLike | null;
  /**
   * An input's values, not copied. On wasm only valid until the next allocation: read inputs
   * inside the `fill` of {@link KernelIO.output}.
   */
  values(info: TensorInfo): NumericArray;
  /**
   * A new output tensor of `shape` and `dtype`; `fill` must write every element of the array
   * it is given (a wasm tensor's memory is not zeroed).
   */
  output<D extends 'float32' | 'int32'>(
    shape: number[],
    dtype: D,
    fill: (out: OutputArray<D>) => void,
  ): TensorInfo;
}

function wasmIO(backend: WasmBackendLike): KernelIO {
  return {
    wasm: backend,
    values: (info) => backend.typedArrayFromHeap(info),
    output(shape, dtype, fill) {
      const out = backend.makeOutput(shape, dtype);
      fill(backend.typedArrayFromHeap(out) as OutputArray<typeof dtype>);
      return out;
    },
  };
}

function cpuIO(backend: CpuBackendLike): KernelIO {
  return {
    wasm: null,
    values: (info) => cpuValues(backend, info),
    output(shape, dtype, fill) {
      let size = 1;
      for (const d of shape) size *= d;
      const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
      fill(values as OutputArray<typeof dtype>);
      return backend.makeTensorInfo(shape, dtype, values);
    },
  };
}

/** A kernel's inputs by name (e.g. `{ x: TensorInfo; dy: TensorInfo }`). */
export type Inputs = NamedTensorInfoMap;

/** The optional parts of a `KernelConfig` besides the kernel function. */
type Extras = Pick<KernelConfig, 'setupFunc' | 'disposeFunc'>;

/**
 * The one place where tfjs's untyped kernel call (`NamedTensorInfoMap`, `NamedAttrMap`, `{}`)
 * becomes a kernel's own input and attribute types.
 */
function kernelConfig<I extends Inputs, A extends object, B>(
  kernelName: string,
  backendName: 'wasm' | 'cpu',
  run: (inputs: I, attrs: A, backend: B) => TensorInfo,
  extras: Extras = {},
): KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => run(inputs as I, attrs as A, backend as B),
    ...extras,
  };
}

/** A kernel that only the wasm backend gets (`backend` is tfjs-backend-wasm's). */
export function wasmKernel<I extends Inputs, A extends object = object>(
  kernelName: string,
  run: (inputs: I, attrs: A, backend: WasmBackendLike) => TensorInfo,
  extras?: Extras,
): KernelConfig {
  return kernelConfig(kernelName, 'wasm', run, extras);
}

/** A kernel that only the cpu backend gets (`backend` is tfjs-backend-cpu's). */
export function cpuKernel<I extends Inputs, A extends object = object>(
  kernelName: string,
  run: (inputs: I, attrs: A, backend: CpuBackendLike) => TensorInfo,
): KernelConfig {
  return kernelConfig(kernelName, 'cpu', run);
}

/**
 * One kernel definition registered for both backends: the wasm and the cpu `KernelConfig` of
 * `run`, which sees the backend only through {@link KernelIO} (its math over typed arrays; where
 * `io.wasm` is set, it may take a wasm-only faster path first).
 */
export function bothBackends<I extends Inputs, A extends object = object>(
  kernelName: string,
  run: (inputs: I, attrs: A, io: KernelIO) => TensorInfo,
): { wasm: KernelConfig; cpu: KernelConfig } {
  return {
    wasm: wasmKernel<I, A>(kernelName, (inputs, attrs, backend) =>
      run(inputs, attrs, wasmIO(backend)),
    ),
    cpu: cpuKernel<I, A>(kernelName, (inputs, attrs, backend) =>
      run(inputs, attrs, cpuIO(backend)),
    ),
  };
}
