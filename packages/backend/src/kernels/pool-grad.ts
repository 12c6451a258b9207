import {
  AvgPoolGrad,
  type AvgPoolGradAttrs,
  backend_util,
  type KernelConfig,
  type KernelFunc,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { type CpuBackendLike, cpuValues, type WasmBackendLike, wasmF32 } from './backend-io.js';
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
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
  } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  const taps = new Int32Array(FH * FW);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        // In-range window offsets in row-major scan order.
        let count = 0;
        for (let kh = 0; kh < FH; kh++) {
          const ih = oh * sh - top + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < FW; kw++) {
            const iw = ow * sw - left + kw * dw;
            if (iw >= 0 && iw < W) taps[count++] = ((n * H + ih) * W + iw) * C;
          }
        }
        const dyOff = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let where = -1;
          for (let t = 0; t < count; t++) {
            const v = x[taps[t] + c];
            if (v > best) {
              best = v;
              where = taps[t] + c;
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
  const {
    batchSize: N,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
  } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: FH, filterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      let rows = 0;
      for (let kh = 0; kh < FH; kh++) {
        const ih = oh * sh - top + kh * dh;
        if (ih >= 0 && ih < H) rows++;
      }
      for (let ow = 0; ow < OW; ow++) {
        let cols = 0;
        for (let kw = 0; kw < FW; kw++) {
          const iw = ow * sw - left + kw * dw;
          if (iw >= 0 && iw < W) cols++;
        }
        if (rows * cols === 0) continue;
        const scale = 1 / (rows * cols);
        const dyOff = ((n * OH + oh) * OW + ow) * C;
        for (let kh = 0; kh < FH; kh++) {
          const ih = oh * sh - top + kh * dh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < FW; kw++) {
            const iw = ow * sw - left + kw * dw;
            if (iw < 0 || iw >= W) continue;
            const off = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) dx[off + c] += dy[dyOff + c] * scale;
          }
        }
      }
    }
  }
}

interface MaxArgs {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: unknown;
  attrs: MaxPoolGradAttrs;
}
interface AvgArgs {
  inputs: { dy: TensorInfo; input: TensorInfo };
  backend: unknown;
  attrs: AvgPoolGradAttrs;
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

function sizeOf(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function cpuMaxPoolGrad({ inputs, backend, attrs }: MaxArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const dx = new Float32Array(sizeOf(inputs.input.shape));
  maxPoolGradient(
    cpuValues(b, inputs.input),
    cpuValues(b, inputs.dy),
    poolGeometry(inputs.input, attrs),
    dx,
  );
  return b.makeTensorInfo(inputs.input.shape.slice(), 'float32', dx);
}

function wasmMaxPoolGrad({ inputs, backend, attrs }: MaxArgs): TensorInfo {
  const b = backend as WasmBackendLike;
  const info = poolGeometry(inputs.input, attrs);
  const simd = simdMaxPoolGrad(b, inputs.input, inputs.dy, info);
  if (simd != null) return simd;
  const out = b.makeOutput(inputs.input.shape.slice(), 'float32');
  maxPoolGradient(wasmF32(b, inputs.input), wasmF32(b, inputs.dy), info, wasmF32(b, out));
  return out;
}

function cpuAvgPoolGrad({ inputs, backend, attrs }: AvgArgs): TensorInfo {
  const b = backend as CpuBackendLike;
  const dx = new Float32Array(sizeOf(inputs.input.shape));
  avgPoolGradient(cpuValues(b, inputs.dy), poolGeometry(inputs.input, attrs), dx);
  return b.makeTensorInfo(inputs.input.shape.slice(), 'float32', dx);
}

function wasmAvgPoolGrad({ inputs, backend, attrs }: AvgArgs): TensorInfo {
  const b = backend as WasmBackendLike;
  const info = poolGeometry(inputs.input, attrs);
  const simd = simdAvgPoolGrad(b, inputs.dy, inputs.input.shape, info);
  if (simd != null) return simd;
  const out = b.makeOutput(inputs.input.shape.slice(), 'float32');
  avgPoolGradient(wasmF32(b, inputs.dy), info, wasmF32(b, out));
  return out;
}

/** `MaxPoolGrad` for cpu: one scan per window over typed arrays (stock indexes TensorBuffers). */
export const cpuMaxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'cpu',
  kernelFunc: cpuMaxPoolGrad as unknown as KernelFunc,
};
/**
 * `MaxPoolGrad` for wasm (tfjs-backend-wasm 4.22's own returns wrong gradients): float32 with
 * our SIMD kernel (csrc/pool_reduce.c, same semantics and results as {@link maxPoolGradient}),
 * otherwise the JS loop.
 */
export const wasmMaxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: wasmMaxPoolGrad as unknown as KernelFunc,
};
/** `AvgPoolGrad` for cpu: the exact adjoint of `avgPool`, over typed arrays. */
export const cpuAvgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'cpu',
  kernelFunc: cpuAvgPoolGrad as unknown as KernelFunc,
};
/** `AvgPoolGrad` for wasm: the exact adjoint of `avgPool` (SIMD kernel for float32). */
export const wasmAvgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: 'wasm',
  kernelFunc: wasmAvgPoolGrad as unknown as KernelFunc,
};
