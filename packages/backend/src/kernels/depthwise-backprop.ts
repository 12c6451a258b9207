import {
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type Conv2DInfo, convGeometry } from '../conv-geometry.js';
import { forEachRun, tapPlan } from '../tap-plan.js';
import { bothBackends } from './backend-io.js';
import { filterGradient } from './conv2d-backprop-filter.js';
import { simdDepthwiseBackprop } from './simd/index.js';

/**
 * Input gradient of a depthwise convolution (NHWC), scattered from every output pixel over the
 * runs of the geometry's tap plan:
 * `dx[n, ih, iw, c] += sum over m of dy[n, oh, ow, c * mult + m] * w[kh, kw, c, m]`.
 * Writes every element of `dx` ([N, H, W, C]).
 */
export function depthwiseInputGradient(
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
  info: Conv2DInfo,
  dx: Float32Array,
): void {
  const { inChannels: C, outChannels: OC } = info;
  const plan = tapPlan(info);
  const mult = OC / C;
  const dxStep = plan.strideWidth * C;
  dx.fill(0);
  forEachRun(plan, 0, info.batchSize, (tap, inPixel, outPixel, count) => {
    // Locals, not the closure's context slots, in the inner loops (measurably faster in V8).
    const [src, weights, dst, channels, outChannels, k] = [dy, w, dx, C, OC, mult];
    const wOff = tap * outChannels;
    let d = inPixel * channels;
    let y = outPixel * outChannels;
    if (k === 1) {
      for (let i = 0; i < count; i++, d += dxStep, y += outChannels) {
        for (let c = 0; c < channels; c++) dst[d + c] += src[y + c] * weights[wOff + c];
      }
      return;
    }
    for (let i = 0; i < count; i++, d += dxStep, y += outChannels) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let m = c * k; m < (c + 1) * k; m++) s += src[y + m] * weights[wOff + m];
        dst[d + c] += s;
      }
    }
  });
}

type Attrs = DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs;

function geometry(inShape: number[], filterShape: number[], attrs: Attrs): Conv2DInfo {
  return convGeometry(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

/**
 * `DepthwiseConv2dNativeBackpropFilter` (missing on wasm; the stock cpu kernel ignores
 * dilations): wasm with channel multiplier 1 and float32, our SIMD kernel (per-row partial
 * sums); otherwise {@link filterGradient}.
 */
export const depthwiseBackpropFilterKernel = bothBackends<
  { x: TensorInfo; dy: TensorInfo },
  DepthwiseConv2dNativeBackpropFilterAttrs
>(DepthwiseConv2dNativeBackpropFilter, ({ x, dy }, attrs, io) => {
  const info = geometry(x.shape, attrs.filterShape, attrs);
  const shape = attrs.filterShape.slice();
  const simd = io.wasm && simdDepthwiseBackprop(io.wasm, 'filter', x, dy, info, shape);
  return (
    simd ??
    io.output(shape, 'float32', (dW) => filterGradient(io.values(x), io.values(dy), info, true, dW))
  );
});

/**
 * `DepthwiseConv2dNativeBackpropInput` (missing on wasm; the stock cpu kernel ignores
 * dilations): wasm with channel multiplier 1 and float32, our SIMD gather; otherwise
 * {@link depthwiseInputGradient}.
 */
export const depthwiseBackpropInputKernel = bothBackends<
  { dy: TensorInfo; filter: TensorInfo },
  DepthwiseConv2dNativeBackpropInputAttrs
>(DepthwiseConv2dNativeBackpropInput, ({ dy, filter }, attrs, io) => {
  const info = geometry(attrs.inputShape, filter.shape, attrs);
  const shape = attrs.inputShape.slice();
  const simd = io.wasm && simdDepthwiseBackprop(io.wasm, 'input', dy, filter, info, shape);
  return (
    simd ??
    io.output(shape, 'float32', (dx) =>
      depthwiseInputGradient(io.values(dy), io.values(filter), info, dx),
    )
  );
});
