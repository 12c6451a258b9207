import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { DataType, KernelBackend, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

/** Deterministic uniform values in [-1, 1). */
export function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: DataType;
}

export function host(shape: number[], seed: number): HostTensor {
  return {
    values: randomValues(
      shape.reduce((p, d) => p * d, 1),
      seed,
    ),
    shape,
    dtype: 'float32',
  };
}

/** Initializes the cpu and wasm backends and leaves wasm active. */
export async function setupBackends(): Promise<{ cpu: KernelBackend; wasm: KernelBackend }> {
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
  return { cpu: tf.findBackend('cpu')!, wasm: tf.findBackend('wasm')! };
}

/**
 * Runs `config.kernelFunc` directly on `backend` with inputs written into that backend and
 * returns the output values; every input and output is released again. Also returns how many
 * data ids the backend holds more afterwards than before (must be 0: no leaks).
 */
export function runKernel(
  backend: KernelBackend,
  config: KernelConfig,
  inputs: Record<string, HostTensor>,
  attrs: object,
): { values: Float32Array | Int32Array; shape: number[]; leaked: number } {
  const before = backend.numDataIds();
  const infos: Record<string, TensorInfo> = {};
  for (const [name, t] of Object.entries(inputs)) {
    const dataId = backend.write(t.values.slice(), t.shape, t.dtype);
    infos[name] = { dataId, shape: t.shape, dtype: t.dtype };
  }
  const out = config.kernelFunc({ inputs: infos, backend, attrs } as never) as TensorInfo;
  const values = backend.readSync(out.dataId) as Float32Array | Int32Array;
  const shape = out.shape.slice();
  backend.disposeData(out.dataId);
  for (const info of Object.values(infos)) backend.disposeData(info.dataId);
  return { values, shape, leaked: backend.numDataIds() - before };
}

/** max |a - b| / max |b| (0 when both are all zero). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxDiff)) maxDiff = d;
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/**
 * Yields one macrotask. The kernel tests are long synchronous computations; run after each
 * test (`afterEach(yieldToEventLoop)`) so vitest's worker can answer its RPC messages between
 * them (a starved event loop fails the run with `Timeout calling "onTaskUpdate"` on a loaded
 * machine, although every test passes).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
