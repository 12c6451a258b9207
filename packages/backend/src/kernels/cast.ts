import { Cast, type CastAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { wasmKernel } from './backend-io.js';
import { runReplaced } from './fallback.js';
import { shareData } from './identity.js';

/**
 * `Cast` on wasm without a copy when the dtype does not change (e.g. the float32 mask of every
 * `relu` gradient, `cast(step(x), 'float32')`): the output shares the input's memory through the
 * backend's reference count, as `Identity` does here. Real conversions go to the stock kernel.
 */
export const wasmCastKernel = wasmKernel<{ x: TensorInfo }, CastAttrs>(
  Cast,
  (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype !== attrs.dtype || x.dtype === 'string') {
      return runReplaced(Cast, 'wasm', { inputs, attrs, backend });
    }
    return shareData(backend, x);
  },
);
