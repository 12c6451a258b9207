import { Identity, type TensorInfo } from '@tensorflow/tfjs-core';
import { wasmKernel } from './backend-io.js';
import { runReplaced } from './fallback.js';

/** The parts of tfjs-backend-wasm's `BackendWasm` a shared-data identity needs. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * A new tensor info on `x`'s memory: the backend's reference count keeps it alive (as
 * tfjs-backend-wasm's own `Reshape` and the cpu backend's `Identity` do; tensors are immutable,
 * so sharing is invisible).
 */
export function shareData(backend: object, x: TensorInfo): TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

/**
 * `Identity` on wasm without a copy ({@link shareData}). tfjs's engine clones every tensor a
 * gradient saves through this kernel, so the stock copy ran ~180 times per training step of
 * the trainer's detector. Strings go to the stock kernel.
 */
export const wasmIdentityKernel = wasmKernel<{ x: TensorInfo }>(
  Identity,
  (inputs, attrs, backend) =>
    inputs.x.dtype === 'string'
      ? runReplaced(Identity, 'wasm', { inputs, attrs, backend })
      : shareData(backend, inputs.x),
);
