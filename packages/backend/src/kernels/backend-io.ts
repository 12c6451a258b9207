import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

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
