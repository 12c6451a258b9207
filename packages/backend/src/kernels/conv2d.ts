import { Conv2D, type Conv2DAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from '../conv-geometry.js';
import { wasmKernel } from './backend-io.js';
import { runReplaced } from './fallback.js';
import { nativeConv } from './native-conv.js';

/**
 * `Conv2D` on wasm: the native kernel where one is loaded (Node on x86-64, NHWC float32),
 * otherwise tfjs-backend-wasm's own (XNNPACK).
 */
export const wasmConv2DKernel = wasmKernel<{ x: TensorInfo; filter: TensorInfo }, Conv2DAttrs>(
  Conv2D,
  (inputs, attrs, backend) => {
    const { x, filter } = inputs;
    if (x.dtype === 'float32' && filter.dtype === 'float32') {
      const info = convGeometry(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        attrs.strides,
        attrs.dilations,
        attrs.pad,
        attrs.dimRoundingMode,
        false,
        attrs.dataFormat,
      );
      // (null for NCHW, without native kernels or outside the wasm heap)
      const out = nativeConv('forward', backend, x, filter, info, info.outShape.slice());
      if (out != null) return out;
    }
    return runReplaced(Conv2D, 'wasm', { inputs, attrs, backend });
  },
);
