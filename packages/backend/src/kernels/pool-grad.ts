import {
  AvgPoolGrad,
  type AvgPoolGradAttrs,
  backend_util,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { forEachRun, tapPlan, windowTaps } from '../tap-plan.js';
import { bothBackends } from './backend-io.js';
import { simdAvgPoolGrad, simdMaxPoolGrad } from './simd/index.js';

type PoolInfo = backend_util.Conv2DInfo;

/**
 * Gradient of max pooling (NHWC): each output's `dy` goes to the first maximum of its window
 * (row-major scan, as tfjs's cpu kernel picks it); windows without a maximum (all NaN or
 * -Infinity) pass nothing. Writes every element of `dx`.
 */
export function maxPoolGradient(
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  info: PoolInfo,
  dx: Float32Array,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = info;
  const plan = tapPlan(info);
  const pixels = new Int32Array(FH * FW);
  const taps = new Int32Array(FH * FW);
  dx.fill(0);
  let dyOff = 0;
  for (let n = 0; n < N; n++) {
    const image = n * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, dyOff += C) {
        const count = windowTaps(plan, oh, ow, pixels, taps);
        for (let t = 0; t < count; t++) pixels[t] = (image + pixels[t]) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let t = 0; t < count; t++) {
            const v = x[pixels[t] + c];
            if (v > best) {
              best = v;
              where = pixels[t] + c;
            }
          }
          if (where >= 0) dx[where] += dy[dyOff + c];
        }
      }
    }
  }
}

/**
 * Gradient of average pooling (NHWC), the exact adjoint of tfjs's forward `avgPool` (which
 * averages over the in-range pixels of each window): each output's `dy` divided by the number
 * of in-range pixels of its window is added to each of them. (tfjs 4.22's own cpu and wasm
 * `AvgPoolGrad` divide by the full window size, which is wrong for windows that overlap the
 * 'same' padding.) Writes every element of `dx`.
 */
export function avgPoolGradient(dy: ArrayLike<number>, info: PoolInfo, dx: Float32Array): void {
  const C = info.inChannels;
  const plan = tapPlan(info);
  const { windowSize, outPixels, strideWidth } = plan;
  const dxStep = strideWidth * C;
  dx.fill(0);
  forEachRun(plan, 0, info.batchSize, (_tap, inPixel, outPixel, count) => {
    // Locals, not the closure's context slots, in the inner loop (measurably faster in V8).
    const [src, dst, sizes, channels, step] = [dy, dx, windowSize, C, dxStep];
    let p = outPixel % outPixels;
    for (let i = 0, d = inPixel * C, y = outPixel * C; i < count; i++, d += step, y += channels) {
      const scale = 1 / sizes[p++];
      for (let c = 0; c < channels; c++) dst[d + c] += src[y + c] * scale;
    }
  });
}

function poolGeometry(input: TensorInfo, attrs: MaxPoolGradAttrs | AvgPoolGradAttrs): PoolInfo {
  const rounding = 'dimRoundingMode' in attrs ? attrs.dimRoundingMode : undefined;
  return backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    rounding,
  );
}

/**
 * `MaxPoolGrad` (tfjs-backend-wasm 4.22's returns wrong gradients; the stock cpu one indexes
 * `TensorBuffer`s): one scan per window ({@link maxPoolGradient}); wasm float32 with our SIMD
 * kernel (csrc/pool_reduce.c, same semantics and bit-identical results).
 */
export const maxPoolGradKernel = bothBackends<
  { dy: TensorInfo; input: TensorInfo; output: TensorInfo },
  MaxPoolGradAttrs
>(MaxPoolGrad, ({ dy, input }, attrs, io) => {
  const info = poolGeometry(input, attrs);
  const dx = (out: Float32Array) => maxPoolGradient(io.values(input), io.values(dy), info, out);
  return (
    (io.wasm && simdMaxPoolGrad(io.wasm, input, dy, info)) ??
    io.output(input.shape.slice(), 'float32', dx)
  );
});

/**
 * `AvgPoolGrad`: the exact adjoint of `avgPool` ({@link avgPoolGradient}); wasm float32 with
 * our SIMD kernel.
 */
export const avgPoolGradKernel = bothBackends<
  { dy: TensorInfo; input: TensorInfo },
  AvgPoolGradAttrs
>(AvgPoolGrad, ({ dy, input }, attrs, io) => {
  const info = poolGeometry(input, attrs);
  const simd = io.wasm && simdAvgPoolGrad(io.wasm, dy, input.shape, info);
  return (
    simd ??
    io.output(input.shape.slice(), 'float32', (dx) => avgPoolGradient(io.values(dy), info, dx))
  );
});
