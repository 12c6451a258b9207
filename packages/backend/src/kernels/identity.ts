import {
  Identity,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runReplaced } from './fallback.js';

/** The parts of tfjs-backend-wasm's `BackendWasm` a shared-data identity needs. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * `Identity` on wasm without a copy: the output shares the input's memory and the backend's
 * reference count keeps it alive (as tfjs-backend-wasm's own `Reshape` and the cpu backend's
 * `Identity` do; tensors are immutable, so sharing is invisible). tfjs's engine clones every
 * tensor a gradient saves through this kernel, so the stock copy ran ~180 times per training
 * step of the trainer's detector. Strings go to the stock kernel.
 */
function wasmIdentity(args: { inputs: { x: TensorInfo }; backend: unknown }): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype === 'string') return runReplaced(Identity, 'wasm', args);
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const wasmIdentityConfig: KernelConfig = {
  kernelName: Identity,
  backendName: 'wasm',
  kernelFunc: wasmIdentity as unknown as KernelFunc,
};
