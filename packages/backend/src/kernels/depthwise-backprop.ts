import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type Conv2DInfo, convGeometry } from '../conv-geometry.js';
import { type CpuBackendLike, cpuValues, type WasmBackendLike, wasmF32 } from './backend-io.js';
import { simdDepthwiseBackprop } from './simd/index.js';

/**
 * Filter gradient of a depthwise convolution (NHWC):
 * `dW[kh, kw, c, m] = sum over n, oh, ow of x[n, ih, iw, c] * dy[n, oh, ow, c * mult + m]`
 * with `ih = oh * strideH - padTop + kh * dilationH` (likewise for columns); taps in the padding
 * contribute nothing. Accumulates in float64; returns [fh, fw, inC, mult] values.
 */
export function depthwiseFilterGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: Conv2DInfo,
): Float32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const mult = OC / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(FH * FW * OC);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * sh - top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < FW; kw++) {
          const colOffset = kw * dw - left;
          const owMin = Math.max(0, Math.ceil(-colOffset / sw));
          const owMax = Math.min(OW, Math.floor((W - 1 - colOffset) / sw) + 1);
          const wOff = (kh * FW + kw) * OC;
          for (let ow = owMin; ow < owMax; ow++) {
            const xOff = ((n * H + ih) * W + ow * sw + colOffset) * C;
            const dyOff = ((n * OH + oh) * OW + ow) * OC;
            if (mult === 1) {
              for (let c = 0; c < C; c++) acc[wOff + c] += x[xOff + c] * dy[dyOff + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = x[xOff + c];
                const base = c * mult;
                for (let m = 0; m < mult; m++) {
                  acc[wOff + base + m] += xv * dy[dyOff + base + m];
                }
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

/**
 * Input gradient of a depthwise convolution (NHWC), scattered from every output pixel:
 * `dx[n, ih, iw, c] += sum over m of dy[n, oh, ow, c * mult + m] * w[kh, kw, c, m]`.
 * Writes every element of `dx` ([N, H, W, C]).
 */
export function depthwiseInputGradient(
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
  info: Conv2DInfo,
  dx: Float32Array,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const mult = OC / C;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * sh - top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < FW; kw++) {
          const colOffset = kw * dw - left;
          const owMin = Math.max(0, Math.ceil(-colOffset / sw));
          const owMax = Math.min(OW, Math.floor((W - 1 - colOffset) / sw) + 1);
          const wOff = (kh * FW + kw) * OC;
          for (let ow = owMin; ow < owMax; ow++) {
            const dxOff = ((n * H + ih) * W + ow * sw + colOffset) * C;
            const dyOff = ((n * OH + oh) * OW + ow) * OC;
            if (mult === 1) {
              for (let c = 0; c < C; c++) dx[dxOff + c] += dy[dyOff + c] * w[wOff + c];
            } else {
              for (let c = 0; c < C; c++) {
                const base = c * mult;
                let s = 0;
                for (let m = 0; m < mult; m++) s += dy[dyOff + base + m] * w[wOff + base + m];
                dx[dxOff + c] += s;
              }
            }
          }
        }
      }
    }
  }
}

function filterGeometry(x: TensorInfo, attrs: DepthwiseConv2dNativeBackpropFilterAttrs) {
  return convGeometry(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

function inputGeometry(filter: TensorInfo, attrs: DepthwiseConv2dNativeBackpropInputAttrs) {
  return convGeometry(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

interface FilterArgs {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: unknown;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}
interface InputArgs {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: unknown;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}

function wasmFilter({ inputs, backend, attrs }: FilterArgs): TensorInfo {
  const b = backend as WasmBackendLike;
  const info = filterGeometry(inputs.x, attrs);
  const shape = attrs.filterShape.slice();
  const simd = simdDepthwiseBackprop(b, 'filter', inputs.x, inputs.dy, info, shape);
  if (simd != null) return simd;
  const out = b.makeOutput(shape, 'float32');
  const dW = depthwiseFilterGradient(wasmF32(b, inputs.x), wasmF32(b, inputs.dy), info);
  wasmF32(b, out).set(dW);
  return out;
}

function cpuFilter({ inputs, backend, attrs }: FilterArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const info = filterGeometry(inputs.x, attrs);
  const dW = depthwiseFilterGradient(cpuValues(b, inputs.x), cpuValues(b, inputs.dy), info);
  return b.makeTensorInfo(attrs.filterShape.slice(), 'float32', dW);
}

function wasmInput({ inputs, backend, attrs }: InputArgs): TensorInfo {
  const b = backend as WasmBackendLike;
  const info = inputGeometry(inputs.filter, attrs);
  const shape = attrs.inputShape.slice();
  const simd = simdDepthwiseBackprop(b, 'input', inputs.dy, inputs.filter, info, shape);
  if (simd != null) return simd;
  const out = b.makeOutput(shape, 'float32');
  const dx = wasmF32(b, out);
  depthwiseInputGradient(wasmF32(b, inputs.dy), wasmF32(b, inputs.filter), info, dx);
  return out;
}

function cpuInput({ inputs, backend, attrs }: InputArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const info = inputGeometry(inputs.filter, attrs);
  const dx = new Float32Array(attrs.inputShape.reduce((p, d) => p * d, 1));
  depthwiseInputGradient(cpuValues(b, inputs.dy), cpuValues(b, inputs.filter), info, dx);
  return b.makeTensorInfo(attrs.inputShape.slice(), 'float32', dx);
}

export const wasmDepthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: wasmFilter as unknown as KernelFunc,
};
export const cpuDepthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: 'cpu',
  kernelFunc: cpuFilter as unknown as KernelFunc,
};
export const wasmDepthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: wasmInput as unknown as KernelFunc,
};
export const cpuDepthwiseBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'cpu',
  kernelFunc: cpuInput as unknown as KernelFunc,
};
