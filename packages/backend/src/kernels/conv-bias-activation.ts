import { CONV_BIAS_ACTIVATION_KERNEL } from '@burnin/internal';
import {
  Add,
  Conv2D,
  type Conv2DAttrs,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  Relu,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './backend-io.js';
import { nativeForward } from './conv2d.js';

export { CONV_BIAS_ACTIVATION_KERNEL };

/** Attributes of `BurninConvBiasActivation` (NHWC, no dilation). */
export interface ConvBiasActivationAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  activation: 'relu' | 'linear';
}

type Inputs = { x: TensorInfo; filter: TensorInfo; bias: TensorInfo };

function check({ x, filter, bias }: Inputs, attrs: ConvBiasActivationAttrs): void {
  const what = CONV_BIAS_ACTIVATION_KERNEL;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || bias.dtype !== 'float32')
    throw new TypeError(`${what}: x, filter and bias must be float32`);
  if (x.shape.length !== 4 || filter.shape.length !== 4)
    throw new TypeError(`${what}: x must be [B, H, W, Cin] and filter [k, k, Cin, Cout]`);
  if (bias.shape.length !== 1 || bias.shape[0] !== filter.shape[3])
    throw new TypeError(
      `${what}: bias must be [${filter.shape[3]}] (the filter's output channels), got [${bias.shape}]`,
    );
  if (attrs.activation !== 'relu' && attrs.activation !== 'linear')
    throw new TypeError(`${what}: activation must be 'relu' or 'linear', got ${attrs.activation}`);
}

/**
 * The composition itself: the backend's registered Conv2D, Add and (for relu) Relu kernels in
 * turn, the intermediate results released.
 */
function composed(
  backendName: 'wasm' | 'cpu',
  backend: KernelBackend,
  inputs: Inputs,
  attrs: ConvBiasActivationAttrs,
): TensorInfo {
  const run = (name: string, ins: Record<string, TensorInfo>, a: object) => {
    const k = getKernel(name, backendName);
    if (k == null)
      throw new Error(`${CONV_BIAS_ACTIVATION_KERNEL}: no ${name} kernel on ${backendName}`);
    return k.kernelFunc({ inputs: ins, attrs: a as never, backend }) as TensorInfo;
  };
  const convAttrs: Conv2DAttrs = {
    strides: attrs.strides,
    pad: attrs.pad,
    dataFormat: 'NHWC',
    dilations: 1,
  };
  const conv = run(Conv2D, { x: inputs.x, filter: inputs.filter }, convAttrs);
  const z = run(Add, { a: conv, b: inputs.bias }, {});
  backend.disposeData(conv.dataId);
  if (attrs.activation === 'linear') return z;
  const y = run(Relu, { x: z }, {});
  backend.disposeData(z.dataId);
  return y;
}

/**
 * `BurninConvBiasActivation` on `backendName`. On wasm, where the native forward convolution
 * runs: it, with the bias added and the relu applied in its register tile before the store (one
 * float32 addition, then tfjs-backend-wasm's relu: the bits as an int32, max with 0, so negative
 * NaNs and -0 become +0 as they do there). Elsewhere, and on cpu, the three kernels (the same
 * bits; what is saved there is the tape entries).
 */
function convBiasActivationKernel(backendName: 'wasm' | 'cpu'): KernelConfig {
  return {
    kernelName: CONV_BIAS_ACTIVATION_KERNEL,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const ins = inputs as unknown as Inputs;
      const a = attrs as unknown as ConvBiasActivationAttrs;
      check(ins, a);
      const native =
        backendName === 'wasm'
          ? nativeForward(
              backend as unknown as WasmBackendLike,
              ins.x,
              ins.filter,
              { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dilations: 1 },
              { bias: ins.bias, relu: a.activation === 'relu' },
            )
          : null;
      return native ?? composed(backendName, backend as KernelBackend, ins, a);
    },
  };
}

export const wasmConvBiasActivationKernel = convBiasActivationKernel('wasm');
export const cpuConvBiasActivationKernel = convBiasActivationKernel('cpu');
