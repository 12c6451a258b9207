import { backend_util } from '@tensorflow/tfjs-core';

export type Conv2DInfo = backend_util.Conv2DInfo;
type Pad = 'valid' | 'same' | number | backend_util.ExplicitPadding;

/**
 * The geometry of a sliding window (a convolution or a pool): the fields of tfjs's NHWC
 * `Conv2DInfo` that tap plans (`tap-plan.ts`) and the SIMD kernels take.
 */
export interface WindowGeometry {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

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

/**
 * Transposes each of `n` consecutive row-major [rows, cols] matrices of `src` into `dst`
 * (NCHW -> NHWC: rows = channels, cols = height * width; NHWC -> NCHW the other way round).
 */
function transposeImages(
  src: ArrayLike<number>,
  dst: Float32Array,
  n: number,
  rows: number,
  cols: number,
): void {
  const size = rows * cols;
  for (let b = 0; b < n; b++) {
    const base = b * size;
    for (let r = 0; r < rows; r++) {
      const s = base + r * cols;
      for (let c = 0; c < cols; c++) dst[base + c * rows + r] = src[s + c];
    }
  }
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
  transposeImages(src, out, n, c, h * w);
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
  transposeImages(src, dst, n, h * w, c);
}
