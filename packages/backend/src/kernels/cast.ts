import {
  Cast,
  type CastAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { runReplaced } from './fallback.js';

/**
 * `Cast` on wasm without a copy when the dtype does not change (e.g. the float32 mask of every
 * `relu` gradient, `cast(step(x), 'float32')`): the output shares the input's memory through the
 * backend's reference count, as `Identity` does here. Real conversions go to the stock kernel.
 */
function wasmCast(args: {
  inputs: { x: TensorInfo };
  backend: unknown;
  attrs: CastAttrs;
}): TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== args.attrs.dtype || x.dtype === 'string') return runReplaced(Cast, 'wasm', args);
  (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const wasmCastConfig: KernelConfig = {
  kernelName: Cast,
  backendName: 'wasm',
  kernelFunc: wasmCast as unknown as KernelFunc,
};
