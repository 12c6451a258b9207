import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type Conv2DInfo, convGeometry, nchwToNhwc } from '../conv-geometry.js';
import { forEachRun, tapPlan } from '../tap-plan.js';
import { bothBackends, type WasmBackendLike, wasmF32, wasmView } from './backend-io.js';
import { imagesPerChunk, rowRange, wasmMatMul } from './matmul.js';
import { nativeConv } from './native-conv.js';
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
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh } = info;
  const { rows, cols, strideWidth: sw } = tapPlan(info);
  const M = (n1 - n0) * OH * OW;
  const xStep = sw * C;
  for (let kh = 0; kh < FH; kh++) {
    const ohFirst = rows.first[kh];
    const ohEnd = rows.end[kh];
    const rowOffset = rows.offset[kh];
    for (let kw = 0; kw < FW; kw++) {
      const colOffset = cols.offset[kw];
      const owMin = cols.first[kw];
      const owMax = cols.end[kw];
      // Channels in blocks of 8: one contiguous read of 8 channels feeds 8 row streams.
      const blocked = C >= 8 ? C - (C % 8) : 0;
      for (let c0 = 0; c0 < blocked; c0 += 8) {
        const rowBase = ((kh * FW + kw) * C + c0) * M;
        let m = 0;
        for (let n = n0; n < n1; n++) {
          for (let oh = 0; oh < OH; oh++, m += OW) {
            if (oh < ohFirst || oh >= ohEnd) {
              for (let c = 0; c < 8; c++)
                colT.fill(0, rowBase + c * M + m, rowBase + c * M + m + OW);
              continue;
            }
            for (let c = 0; c < 8; c++) {
              const r = rowBase + c * M + m;
              if (owMin > 0) colT.fill(0, r, r + owMin);
              if (owMax < OW) colT.fill(0, r + owMax, r + OW);
            }
            const ih = oh * sh + rowOffset;
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
            if (oh < ohFirst || oh >= ohEnd) {
              colT.fill(0, m, m + OW);
              m += OW;
              continue;
            }
            if (owMin > 0) colT.fill(0, m, m + owMin);
            let src = ((n * H + oh * sh + rowOffset) * W + owMin * sw + colOffset) * C + ic;
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
 * Filter gradient of a 2-D convolution by direct accumulation in float64 over the runs of the
 * geometry's tap plan (NHWC inputs; the cpu kernels). Dense: `dW[kh, kw, ic, oc] = sum over
 * n, oh, ow of x[n, ih, iw, ic] * dy[n, oh, ow, oc]`. `depthwise` (`dW` [fh, fw, inC, mult]):
 * `dW[kh, kw, c, m] = sum of x[n, ih, iw, c] * dy[n, oh, ow, c * mult + m]`. Taps in the
 * padding contribute nothing. Writes every element of `dW`.
 */
export function filterGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: Conv2DInfo,
  depthwise: boolean,
  dW: Float32Array,
): void {
  const { inChannels: C, outChannels: OC } = info;
  const plan = tapPlan(info);
  const acc = new Float64Array(dW.length);
  const xStep = plan.strideWidth * C;
  // Per input channel: its first output channel and how many it feeds.
  const mult = depthwise ? OC / C : OC;
  const tapSize = depthwise ? OC : C * OC;
  forEachRun(plan, 0, info.batchSize, (tap, inPixel, outPixel, count) => {
    // Locals, not the closure's context slots, in the inner loops (measurably faster in V8).
    const [xs, dys, sums, channels, outChannels, k] = [x, dy, acc, C, OC, mult];
    const wBase = tap * tapSize;
    let xOff = inPixel * channels;
    let dyOff = outPixel * outChannels;
    if (!depthwise) {
      for (let i = 0; i < count; i++, xOff += xStep, dyOff += outChannels) {
        for (let ic = 0; ic < channels; ic++) {
          const xv = xs[xOff + ic];
          if (xv === 0) continue; // relu zeros
          const wOff = wBase + ic * outChannels;
          for (let oc = 0; oc < outChannels; oc++) sums[wOff + oc] += xv * dys[dyOff + oc];
        }
      }
    } else if (k === 1) {
      for (let i = 0; i < count; i++, xOff += xStep, dyOff += outChannels) {
        for (let c = 0; c < channels; c++) sums[wBase + c] += xs[xOff + c] * dys[dyOff + c];
      }
    } else {
      for (let i = 0; i < count; i++, xOff += xStep, dyOff += outChannels) {
        for (let c = 0; c < channels; c++) {
          const xv = xs[xOff + c];
          for (let m = c * k; m < (c + 1) * k; m++) sums[wBase + m] += xv * dys[dyOff + m];
        }
      }
    }
  });
  dW.set(acc);
}

type Inputs = { x: TensorInfo; dy: TensorInfo };

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

/** wasm: the native kernel or else our SIMD kernel for NHWC float32, else im2col (transposed, in JS) times dy. */
function wasmFilterGradient(
  backend: WasmBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
  filterShape: [number, number, number, number],
): TensorInfo {
  const native = nativeConv('filter', backend, x, dy, info, filterShape.slice());
  if (native != null) return native;
  const simd = simdConv2DBackpropFilter(backend, x, dy, info, filterShape.slice());
  if (simd != null) return simd;
  const { batchSize: N, outHeight: OH, outWidth: OW, outChannels: OC } = info;
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const rowsPerImage = OH * OW;

  // NHWC copies of the inputs for NCHW data (rare on wasm); views otherwise.
  let xHost: Float32Array | null = null;
  let dyNhwc: TensorInfo | null = null;
  if (info.dataFormat === 'channelsFirst') {
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
    const colT = backend.makeOutput([K, (n1 - n0) * rowsPerImage], 'float32');
    const dyChunk = rowRange(backend, dyRows, n0 * rowsPerImage, n1 * rowsPerImage, OC);
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
  if (result != null) return { ...result, shape: filterShape.slice() };
  const out = backend.makeOutput(filterShape.slice(), 'float32');
  wasmF32(backend, out).set(acc ?? new Float32Array(K * OC));
  return out;
}

/**
 * `Conv2DBackpropFilter`. wasm (missing upstream): NHWC float32 with our SIMD kernel
 * (csrc/conv_grad.c), otherwise im2col times dy with wasm's matmul. cpu (stock indexes
 * `TensorBuffer.get`): direct accumulation over typed arrays ({@link filterGradient}).
 */
export const conv2DBackpropFilterKernel = bothBackends<Inputs, Conv2DBackpropFilterAttrs>(
  Conv2DBackpropFilter,
  ({ x, dy }, attrs, io) => {
    const info = geometry(x, attrs);
    if (io.wasm != null) return wasmFilterGradient(io.wasm, x, dy, info, attrs.filterShape);
    return io.output(attrs.filterShape.slice(), 'float32', (dW) => {
      let xs: ArrayLike<number> = io.values(x);
      let dys: ArrayLike<number> = io.values(dy);
      if (info.dataFormat === 'channelsFirst') {
        const { batchSize: N } = info;
        xs = nchwToNhwc(xs, N, info.inChannels, info.inHeight, info.inWidth);
        dys = nchwToNhwc(dys, N, info.outChannels, info.outHeight, info.outWidth);
      }
      filterGradient(xs, dys, info, false, dW);
    });
  },
);
