import { backend_util } from '@tensorflow/tfjs-core';

export type Conv2DInfo = backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/**
 * Geometry of a 2-D convolution (NHWC view) exactly as tfjs computes it for its kernels.
 * `inShape` is the input's shape in `dataFormat` order; `filterShape` is [fh, fw, inC, outC]
 * (or [fh, fw, inC, multiplier] when `depthwise`).
 */
export function convGeometry(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: Pad,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  depthwise: boolean,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Conv2DInfo {
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  return backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    format,
  );
}

/** Copies an NCHW array into a new NHWC array. */
export function nchwToNhwc(
  src: ArrayLike<number>,
  n: number,
  c: number,
  h: number,
  w: number,
): Float32Array {
  const out = new Float32Array(n * c * h * w);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const srcBase = b * c * hw;
    const dstBase = b * hw * c;
    for (let ch = 0; ch < c; ch++) {
      const s = srcBase + ch * hw;
      for (let p = 0; p < hw; p++) out[dstBase + p * c + ch] = src[s + p];
    }
  }
  return out;
}

/** Copies an NHWC array into `dst` in NCHW order. */
export function nhwcToNchw(
  src: ArrayLike<number>,
  dst: Float32Array,
  n: number,
  c: number,
  h: number,
  w: number,
): void {
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const srcBase = b * hw * c;
    const dstBase = b * c * hw;
    for (let p = 0; p < hw; p++) {
      const s = srcBase + p * c;
      for (let ch = 0; ch < c; ch++) dst[dstBase + ch * hw + p] = src[s + ch];
    }
  }
}
