import type { WindowGeometry } from './conv-geometry.js';

/**
 * One axis of a tap plan. Filter tap `k` of this axis reads input position
 * `o * stride + offset[k]` for output position `o`; that is inside the input exactly for
 * `first[k] <= o < end[k]` (`first[k] === end[k]` when tap k only ever sees padding).
 */
export interface AxisTaps {
  offset: Int32Array;
  first: Int32Array;
  end: Int32Array;
}

/** Ints per run in {@link TapPlan.runs}. */
export const RUN = 5;

/**
 * What a strided, dilated, padded 2-D window visits in one image, computed once per geometry
 * ({@link tapPlan}) and shared by the forward-like and the gradient loops.
 *
 * `runs` lists, `RUN` ints each, every (output row, filter tap) pair whose input row and some
 * input column are inside the image, ordered by output row and then by filter tap (row-major,
 * the order tfjs scans a window):
 * `[tap, inPixel, outPixel, owStart, owEnd]`: filter tap `tap = kh * filterWidth + kw` maps
 * output pixels `outPixel + i` (row `oh`, columns `owStart + i < owEnd`) to input pixels
 * `inPixel + i * strideWidth` (pixel indices within one image: `row * width + column`).
 * The runs of output row `oh` are runs `rowStart[oh]` to `rowStart[oh + 1]` (in runs, not ints).
 */
export interface TapPlan {
  rows: AxisTaps;
  cols: AxisTaps;
  runs: Int32Array;
  rowStart: Int32Array;
  /** Input pixels one output column step moves (the column stride). */
  strideWidth: number;
  /** Pixels of one input image (height * width) and of one output image. */
  inPixels: number;
  outPixels: number;
  /** For each output pixel of an image, how many of its window's taps are inside the input. */
  windowSize: Int32Array;
}

function axisTaps(
  inSize: number,
  outSize: number,
  taps: number,
  stride: number,
  dilation: number,
  pad: number,
): AxisTaps {
  const offset = new Int32Array(taps);
  const first = new Int32Array(taps);
  const end = new Int32Array(taps);
  for (let k = 0; k < taps; k++) {
    const o = k * dilation - pad;
    offset[k] = o;
    first[k] = Math.min(outSize, Math.max(0, Math.ceil(-o / stride)));
    end[k] = Math.max(first[k], Math.min(outSize, Math.floor((inSize - 1 - o) / stride) + 1));
  }
  return { offset, first, end };
}

function buildPlan(g: WindowGeometry): TapPlan {
  const { inWidth: W, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = g;
  const { strideHeight: sh, strideWidth: sw } = g;
  const rows = axisTaps(g.inHeight, OH, FH, sh, g.dilationHeight, g.padInfo.top);
  const cols = axisTaps(W, OW, FW, sw, g.dilationWidth, g.padInfo.left);
  const list: number[] = [];
  const rowStart = new Int32Array(OH + 1);
  for (let oh = 0; oh < OH; oh++) {
    rowStart[oh] = list.length / RUN;
    for (let kh = 0; kh < FH; kh++) {
      if (oh < rows.first[kh] || oh >= rows.end[kh]) continue;
      const ih = oh * sh + rows.offset[kh];
      for (let kw = 0; kw < FW; kw++) {
        const owStart = cols.first[kw];
        const owEnd = cols.end[kw];
        if (owStart === owEnd) continue;
        const iw = owStart * sw + cols.offset[kw];
        list.push(kh * FW + kw, ih * W + iw, oh * OW + owStart, owStart, owEnd);
      }
    }
  }
  rowStart[OH] = list.length / RUN;
  const windowSize = new Int32Array(OH * OW);
  for (let r = 0; r < list.length; r += RUN) {
    for (let p = list[r + 2], end = p + list[r + 4] - list[r + 3]; p < end; p++) windowSize[p]++;
  }
  return {
    rows,
    cols,
    runs: Int32Array.from(list),
    rowStart,
    strideWidth: sw,
    inPixels: g.inHeight * W,
    outPixels: OH * OW,
    windowSize,
  };
}

const MAX_CACHED = 64;
const cache = new Map<string, TapPlan>();

/**
 * The tap plan of `geometry` (see {@link TapPlan}), built on first use and cached (the last 64
 * geometries), so a training step's repeated shapes pay for it once.
 */
export function tapPlan(geometry: WindowGeometry): TapPlan {
  const g = geometry;
  const key = `${g.inHeight},${g.inWidth},${g.outHeight},${g.outWidth},${g.filterHeight},${g.filterWidth},${g.strideHeight},${g.strideWidth},${g.dilationHeight},${g.dilationWidth},${g.padInfo.top},${g.padInfo.left}`;
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = buildPlan(g);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, plan);
  }
  return plan;
}

/**
 * The in-range taps of the window of output pixel (`oh`, `ow`) in row-major scan order: writes
 * their input pixels (within one image) to `pixels` and their filter taps to `taps` (each of
 * at least filterHeight * filterWidth elements) and returns how many there are (0 for a window
 * entirely in the padding).
 */
export function windowTaps(
  plan: TapPlan,
  oh: number,
  ow: number,
  pixels: Int32Array,
  taps: Int32Array,
): number {
  const { runs, strideWidth: sw } = plan;
  let count = 0;
  for (let r = plan.rowStart[oh] * RUN, end = plan.rowStart[oh + 1] * RUN; r < end; r += RUN) {
    const owStart = runs[r + 3];
    if (ow < owStart || ow >= runs[r + 4]) continue;
    taps[count] = runs[r];
    pixels[count++] = runs[r + 1] + (ow - owStart) * sw;
  }
  return count;
}

/**
 * Calls `visit(tap, inPixel, outPixel, count)` for every run of images `n0` to `n1 - 1`, in
 * plan order, image by image: filter tap `tap` maps output pixels `outPixel + i` to input
 * pixels `inPixel + i * strideWidth` for `0 <= i < count` (pixel indices over the whole batch).
 */
export function forEachRun(
  plan: TapPlan,
  n0: number,
  n1: number,
  visit: (tap: number, inPixel: number, outPixel: number, count: number) => void,
): void {
  const { runs, inPixels, outPixels } = plan;
  for (let n = n0; n < n1; n++) {
    const inImage = n * inPixels;
    const outImage = n * outPixels;
    for (let r = 0; r < runs.length; r += RUN) {
      visit(runs[r], inImage + runs[r + 1], outImage + runs[r + 2], runs[r + 4] - runs[r + 3]);
    }
  }
}
