import { RELU_GRAD_KERNEL } from '@burnin/internal';
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { bothBackends } from './backend-io.js';
import { simdReluGrad } from './simd/index.js';

export { RELU_GRAD_KERNEL };

/**
 * `out[i] = dy[i] * step(y[i])`, step(v) = 1 for v > 0, NaN for NaN, else 0: the gradient of a
 * relu through its output `y` (or input: the mask is the same), with exactly the bits of tfjs's
 * `mul(dy, step(y))`.
 */
export function reluGradient(dy: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const v = y[i] as number;
    out[i] = (dy[i] as number) * (v > 0 ? 1 : Number.isNaN(v) ? v : 0);
  }
}

/**
 * `BurninReluGrad` (inputs `dy`, `y`: float32 of one shape): {@link reluGradient} in one pass
 * instead of tfjs's Step and Multiply kernels; wasm runs it as SIMD (csrc/elementwise.c).
 */
export const reluGradKernel = bothBackends<{ dy: TensorInfo; y: TensorInfo }>(
  RELU_GRAD_KERNEL,
  ({ dy, y }, _attrs, io) => {
    if (dy.dtype !== 'float32' || y.dtype !== 'float32' || !util.arraysEqual(dy.shape, y.shape)) {
      throw new TypeError(
        `${RELU_GRAD_KERNEL}: dy and y must be float32 of one shape, got ${dy.dtype} [${dy.shape}] and ${y.dtype} [${y.shape}]`,
      );
    }
    return (
      (io.wasm && simdReluGrad(io.wasm, dy, y)) ??
      io.output(dy.shape.slice(), 'float32', (out) =>
        reluGradient(io.values(dy), io.values(y), out),
      )
    );
  },
);
