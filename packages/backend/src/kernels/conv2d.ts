import {
  Conv2D,
  type Conv2DAttrs,
  FusedConv2D,
  type FusedConv2DAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { convGeometry } from '../conv-geometry.js';
import { type WasmBackendLike, wasmKernel } from './backend-io.js';
import { runReplaced } from './fallback.js';
import { type ConvEpilogue, nativeConv } from './native-conv.js';

/**
 * The native forward convolution of `x` and `filter`, with `epilogue`'s bias and relu applied
 * as each output is stored (null where it does not apply).
 */
export function nativeForward(
  backend: WasmBackendLike,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
  epilogue?: ConvEpilogue,
): TensorInfo | null {
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
  return nativeConv('forward', backend, x, filter, info, info.outShape.slice(), epilogue);
}

/**
 * `Conv2D` on wasm: the native kernel where one is loaded (Node on x86-64, NHWC float32),
 * otherwise tfjs-backend-wasm's own (XNNPACK).
 */
export const wasmConv2DKernel = wasmKernel<{ x: TensorInfo; filter: TensorInfo }, Conv2DAttrs>(
  Conv2D,
  (inputs, attrs, backend) => {
    const { x, filter } = inputs;
    if (x.dtype === 'float32' && filter.dtype === 'float32') {
      // (null for NCHW, without native kernels or outside the wasm heap)
      const out = nativeForward(backend, x, filter, attrs);
      if (out != null) return out;
    }
    return runReplaced(Conv2D, 'wasm', { inputs, attrs, backend });
  },
);

interface FusedConvInputs {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
  [name: string]: TensorInfo | undefined;
}

/**
 * `FusedConv2D` on wasm (what tfjs-layers' conv layers run with a bias, and under gradients
 * whenever the activation is linear): the native convolution with the bias and relu applied to
 * each output as it is stored, where the native kernels are loaded and the activation is
 * linear or relu with a per-channel (or no) bias; otherwise tfjs-backend-wasm's own (XNNPACK,
 * which adds the bias before the products, so the two differ in the last bits).
 */
export const wasmFusedConv2DKernel = wasmKernel<FusedConvInputs, FusedConv2DAttrs>(
  FusedConv2D,
  (inputs, attrs, backend) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    const relu = attrs.activation === 'relu';
    const supported =
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      preluActivationWeights == null &&
      (relu || attrs.activation === 'linear') &&
      (bias == null ||
        (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === filter.shape[3]));
    if (supported) {
      const out = nativeForward(backend, x, filter, attrs, { bias: bias ?? null, relu });
      if (out != null) return out;
    }
    return runReplaced(FusedConv2D, 'wasm', { inputs, attrs, backend });
  },
);
