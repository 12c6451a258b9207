import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type Conv2DInfo, convGeometry, nchwToNhwc } from '../conv-geometry.js';
import {
  type CpuBackendLike,
  cpuValues,
  type WasmBackendLike,
  wasmF32,
  wasmView,
} from './backend-io.js';
import { imagesPerChunk, wasmMatMul } from './matmul.js';
import { simdConv2DBackpropFilter } from './simd/index.js';

/**
 * Writes the transposed im2col matrix of images [n0, n1) of the NHWC input `x` into `colT`:
 * row `(kh * filterWidth + kw) * inChannels + ic`, column `(n - n0) * outH * outW + oh * outW + ow`
 * holds the input pixel that filter tap (kh, kw, ic) sees at output (n, oh, ow), or 0 in the
 * padding. `colT` must hold `filterHeight * filterWidth * inChannels * (n1 - n0) * outH * outW`
 * elements; every element is written.
 */
export function im2colTransposed(
  x: ArrayLike<number>,
  info: Conv2DInfo,
  n0: number,
  n1: number,
  colT: Float32Array,
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const M = (n1 - n0) * OH * OW;
  const xStep = sw * C;
  for (let kh = 0; kh < FH; kh++) {
    for (let kw = 0; kw < FW; kw++) {
      const colOffset = kw * dw - left;
      const owMin = Math.min(OW, Math.max(0, Math.ceil(-colOffset / sw)));
      const owMax = Math.max(owMin, Math.min(OW, Math.floor((W - 1 - colOffset) / sw) + 1));
      // Channels in blocks of 8: one contiguous read of 8 channels feeds 8 row streams.
      const blocked = C >= 8 ? C - (C % 8) : 0;
      for (let c0 = 0; c0 < blocked; c0 += 8) {
        const rowBase = ((kh * FW + kw) * C + c0) * M;
        let m = 0;
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < OH; oh++, m += OW) {
            const ih = oh * sh - top + kh * dh;
            if (ih < 0 || ih >= H) {
              for (let c = 0; c < 8; c++)
                colT.fill(0, rowBase + c * M + m, rowBase + c * M + m + OW);
              continue;
            }
            for (let c = 0; c < 8; c++) {
              const r = rowBase + c * M + m;
              if (owMin > 0) colT.fill(0, r, r + owMin);
              if (owMax < OW) colT.fill(0, r + owMax, r + OW);
            }
            let src = ((n * H + ih) * W + owMin * sw + colOffset) * C + c0;
            let d = rowBase + m + owMin;
            for (let ow = owMin; ow < owMax; ow++, d++, src += xStep) {
              colT[d] = x[src];
              colT[d + M] = x[src + 1];
              colT[d + 2 * M] = x[src + 2];
              colT[d + 3 * M] = x[src + 3];
              colT[d + 4 * M] = x[src + 4];
              colT[d + 5 * M] = x[src + 5];
              colT[d + 6 * M] = x[src + 6];
              colT[d + 7 * M] = x[src + 7];
            }
          }
        }
      }
      for (let ic = blocked; ic < C; ic++) {
        let m = ((kh * FW + kw) * C + ic) * M;
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - top + kh * dh;
            if (ih < 0 || ih >= H) {
              colT.fill(0, m, m + OW);
              m += OW;
              continue;
            }
            if (owMin > 0) colT.fill(0, m, m + owMin);
            let src = ((n * H + ih) * W + owMin * sw + colOffset) * C + ic;
            for (let ow = owMin; ow < owMax; ow++) {
              colT[m + ow] = x[src];
              src += xStep;
            }
            if (owMax < OW) colT.fill(0, m + owMax, m + OW);
            m += OW;
          }
        }
      }
    }
  }
}

/**
 * Filter gradient of a 2-D convolution by direct accumulation (used on the cpu backend):
 * `dW[kh, kw, ic, oc] = sum over n, oh, ow of x[n, ih, iw, ic] * dy[n, oh, ow, oc]`, NHWC inputs,
 * accumulated in float64. Returns [filterHeight, filterWidth, inChannels, outChannels] values.
 */
export function conv2dFilterGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: Conv2DInfo,
): Float32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const acc = new Float64Array(FH * FW * C * OC);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * sh - top + kh * dh;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < FW; kw++) {
          const colOffset = kw * dw - left;
          const owMin = Math.max(0, Math.ceil(-colOffset / sw));
          const owMax = Math.min(OW, Math.floor((W - 1 - colOffset) / sw) + 1);
          const wBase = (kh * FW + kw) * C * OC;
          for (let ow = owMin; ow < owMax; ow++) {
            const xOff = ((n * H + ih) * W + ow * sw + colOffset) * C;
            const dyOff = ((n * OH + oh) * OW + ow) * OC;
            for (let ic = 0; ic < C; ic++) {
              const xv = x[xOff + ic];
              if (xv === 0) continue;
              const wOff = wBase + ic * OC;
              for (let oc = 0; oc < OC; oc++) acc[wOff + oc] += xv * dy[dyOff + oc];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

function geometry(x: TensorInfo, attrs: Conv2DBackpropFilterAttrs): Conv2DInfo {
  return convGeometry(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    attrs.dataFormat,
  );
}

function wasmConv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: unknown;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs;
  const info = geometry(x, args.attrs);
  const simd = simdConv2DBackpropFilter(backend, x, dy, info, args.attrs.filterShape.slice());
  if (simd != null) return simd;
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = OH * OW;
  const channelsFirst = info.dataFormat === 'channelsFirst';

  // NHWC copies of the inputs for NCHW data (rare on wasm); views otherwise.
  let xHost: Float32Array | null = null;
  let dyNhwc: TensorInfo | null = null;
  if (channelsFirst) {
    xHost = nchwToNhwc(wasmF32(backend, x), N, info.inChannels, info.inHeight, info.inWidth);
    const dyHost = nchwToNhwc(wasmF32(backend, dy), N, OC, OH, OW);
    dyNhwc = backend.makeOutput([N * rowsPerImage, OC], 'float32');
    wasmF32(backend, dyNhwc).set(dyHost);
  }
  const dyRows: TensorInfo = dyNhwc ?? { ...dy, shape: [N * rowsPerImage, OC] };

  const chunk = imagesPerChunk(N, rowsPerImage, K);
  let result: TensorInfo | null = null;
  let acc: Float32Array | null = null;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const n1 = Math.min(N, n0 + chunk);
    const rows = (n1 - n0) * rowsPerImage;
    const colT = backend.makeOutput([K, rows], 'float32');
    let dyChunk = dyRows;
    if (n1 - n0 < N) {
      dyChunk = backend.makeOutput([rows, OC], 'float32');
      const all = wasmF32(backend, dyRows);
      wasmF32(backend, dyChunk).set(all.subarray(n0 * rowsPerImage * OC, n1 * rowsPerImage * OC));
    }
    im2colTransposed(xHost ?? wasmF32(backend, x), info, n0, n1, wasmF32(backend, colT));
    const product = wasmMatMul(backend, colT, dyChunk);
    backend.disposeData(colT.dataId);
    if (dyChunk !== dyRows) backend.disposeData(dyChunk.dataId);
    if (n1 - n0 === N) {
      result = product;
    } else {
      acc ??= new Float32Array(K * OC);
      const part = wasmView(backend, product);
      for (let i = 0; i < acc.length; i++) acc[i] += part[i];
      backend.disposeData(product.dataId);
    }
  }
  if (dyNhwc != null) backend.disposeData(dyNhwc.dataId);
  if (result != null) return { ...result, shape: args.attrs.filterShape.slice() };
  const out = backend.makeOutput(args.attrs.filterShape.slice(), 'float32');
  wasmF32(backend, out).set(acc ?? new Float32Array(K * OC));
  return out;
}

function cpuConv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: unknown;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const { x, dy } = args.inputs;
  const info = geometry(x, args.attrs);
  let xs: ArrayLike<number> = cpuValues(backend, x);
  let dys: ArrayLike<number> = cpuValues(backend, dy);
  if (info.dataFormat === 'channelsFirst') {
    const { batchSize: N } = info;
    xs = nchwToNhwc(xs, N, info.inChannels, info.inHeight, info.inWidth);
    dys = nchwToNhwc(dys, N, info.outChannels, info.outHeight, info.outWidth);
  }
  const dW = conv2dFilterGradient(xs, dys, info);
  return backend.makeTensorInfo(args.attrs.filterShape.slice(), 'float32', dW);
}

/**
 * `Conv2DBackpropFilter` for wasm: NHWC float32 with our SIMD kernel (csrc/conv_grad.c);
 * otherwise im2col (transposed, in JS) times dy with wasm's matmul.
 */
export const wasmConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: wasmConv2DBackpropFilter as unknown as KernelFunc,
};

/** `Conv2DBackpropFilter` for cpu: direct accumulation over typed arrays. */
export const cpuConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'cpu',
  kernelFunc: cpuConv2DBackpropFilter as unknown as KernelFunc,
};
