import {
  Conv2D,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  getKernel,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type Conv2DInfo, convGeometry, nchwToNhwc, nhwcToNchw } from '../conv-geometry.js';
import { tapPlan, windowTaps } from '../tap-plan.js';
import { type WasmBackendLike, wasmF32, wasmKernel } from './backend-io.js';
import { imagesPerChunk, rowRange, wasmMatMul } from './matmul.js';
import { nativeConv } from './native-conv.js';
import { simdConv2DBackpropInput } from './simd/index.js';

/**
 * Scatters column gradients back onto the NHWC input gradient (col2im): row
 * `(n - n0) * outH * outW + oh * outW + ow` of `cols` ([rows, fh * fw * inC]) adds tap
 * (kh, kw, ic) into `dx[n, ih, iw, ic]`; taps in the padding are dropped. Only adds: zero
 * `dx` first.
 */
export function col2imAdd(
  cols: Float32Array,
  info: Conv2DInfo,
  n0: number,
  n1: number,
  dx: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const taps = info.filterHeight * info.filterWidth;
  const plan = tapPlan(info);
  const pixels = new Int32Array(taps);
  const tap = new Int32Array(taps);
  const K = taps * C;
  let row = 0;
  for (let n = n0; n < n1; n++) {
    const image = n * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, row += K) {
        const count = windowTaps(plan, oh, ow, pixels, tap);
        for (let t = 0; t < count; t++) {
          const dst = (image + pixels[t]) * C;
          const src = row + tap[t] * C;
          for (let ic = 0; ic < C; ic++) dx[dst + ic] += cols[src + ic];
        }
      }
    }
  }
}

/**
 * Stride-1 NHWC input gradient as a forward convolution (XNNPACK): dy convolved with the filter
 * rotated by 180 degrees and its channel axes swapped, padded by `filter - 1 - pad` on each side.
 * Returns null when that padding would be negative (then the matmul path is used).
 */
function stride1AsForwardConv(
  backend: WasmBackendLike,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): TensorInfo | null {
  const { filterHeight: FH, filterWidth: FW, inChannels: C, outChannels: OC } = info;
  const padTop = FH - 1 - info.padInfo.top;
  const padLeft = FW - 1 - info.padInfo.left;
  const padBottom = info.inHeight - info.outHeight + info.padInfo.top;
  const padRight = info.inWidth - info.outWidth + info.padInfo.left;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return null;
  const conv = getKernel(Conv2D, 'wasm');
  if (conv == null) return null;
  const flipped = backend.makeOutput([FH, FW, OC, C], 'float32');
  const w = wasmF32(backend, filter);
  const f = wasmF32(backend, flipped);
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      const src = ((FH - 1 - kh) * FW + (FW - 1 - kw)) * C * OC;
      const dst = (kh * FW + kw) * OC * C;
      for (let ic = 0; ic < C; ic++) {
        for (let oc = 0; oc < OC; oc++) f[dst + oc * C + ic] = w[src + ic * OC + oc];
      }
    }
  }
  const out = conv.kernelFunc({
    inputs: { x: dy, filter: flipped },
    backend: backend as never,
    attrs: {
      strides: 1,
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: 1,
    },
  }) as TensorInfo;
  backend.disposeData(flipped.dataId);
  return out;
}

function wasmConv2DBackpropInput(
  { dy, filter }: { dy: TensorInfo; filter: TensorInfo },
  attrs: Conv2DBackpropInputAttrs,
  backend: WasmBackendLike,
): TensorInfo {
  const { inputShape } = attrs;
  const info = convGeometry(
    inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = OH * OW;
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const native = nativeConv('input', backend, dy, filter, info, inputShape.slice());
  if (native != null) return native;
  const simd = simdConv2DBackpropInput(backend, dy, filter, info, inputShape.slice());
  if (simd != null) return simd;
  if (!channelsFirst && info.strideHeight === 1 && info.strideWidth === 1) {
    const viaConv = stride1AsForwardConv(backend, dy, filter, info);
    if (viaConv != null) return viaConv;
  }

  // Filter [K, OC] -> its transpose [OC, K], so the matmul below needs no transposed operand.
  const filterT = backend.makeOutput([OC, K], 'float32');
  let dyRows: TensorInfo = { ...dy, shape: [N * rowsPerImage, OC] };
  let dyNhwc: TensorInfo | null = null;
  if (channelsFirst) {
    dyNhwc = backend.makeOutput([N * rowsPerImage, OC], 'float32');
    dyRows = dyNhwc;
  }
  const out = backend.makeOutput(inputShape.slice(), 'float32');
  {
    const w = wasmF32(backend, filter);
    const wT = wasmF32(backend, filterT);
    for (let k = 0; k < K; k++) for (let oc = 0; oc < OC; oc++) wT[oc * K + k] = w[k * OC + oc];
    if (dyNhwc != null) {
      wasmF32(backend, dyNhwc).set(nchwToNhwc(wasmF32(backend, dy), N, OC, OH, OW));
    }
  }
  const dxNhwc = new Float32Array(N * info.inHeight * info.inWidth * info.inChannels);
  const chunk = imagesPerChunk(N, rowsPerImage, K);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n1 = Math.min(N, n0 + chunk);
    const dyChunk = rowRange(backend, dyRows, n0 * rowsPerImage, n1 * rowsPerImage, OC);
    const cols = wasmMatMul(backend, dyChunk, filterT);
    if (dyChunk !== dyRows) backend.disposeData(dyChunk.dataId);
    col2imAdd(wasmF32(backend, cols), info, n0, n1, dxNhwc);
    backend.disposeData(cols.dataId);
  }
  backend.disposeData(filterT.dataId);
  if (dyNhwc != null) backend.disposeData(dyNhwc.dataId);
  const dx = wasmF32(backend, out);
  if (channelsFirst) {
    nhwcToNchw(dxNhwc, dx, N, info.inChannels, info.inHeight, info.inWidth);
  } else {
    dx.set(dxNhwc);
  }
  return out;
}

/**
 * `Conv2DBackpropInput` for wasm (tfjs-backend-wasm's own kernel is a scalar loop): NHWC float32
 * with the native kernel where one is loaded, else our SIMD kernel (csrc/conv_grad.c); otherwise stride 1 as a forward convolution with the rotated filter (XNNPACK); otherwise dy times the transposed
 * filter with wasm's matmul, then col2im in JS.
 */
export const wasmConv2DBackpropInputKernel = wasmKernel(
  Conv2DBackpropInput,
  wasmConv2DBackpropInput,
);
