import { RELU_GRAD_KERNEL } from '@burnin/internal';
import {
  broadcastTo,
  div,
  engine,
  type GradConfig,
  getBackend,
  getGradient,
  getKernel,
  Mean,
  type NamedAttrMap,
  Relu,
  registerGradient,
  reshape,
  Sum,
  type Tensor,
  util,
  zerosLike,
} from '@tensorflow/tfjs-core';

// tfjs-core gradients replaced by faster ones with the same bits. Each keeps the stock gradient
// it replaces and hands it every case it does not cover.

type GradFunc = GradConfig['gradFunc'];

/**
 * `Sum` and `Mean` without a ones tensor. tfjs-core 4.22 computes them as
 * `mul(reshape(dy), ones(x.shape))` (then divides by the reduced count for `Mean`): it fills a
 * JavaScript array of x's size with ones, uploads it and multiplies by it. Batch-norm moments
 * (`tf.moments`: two means over `[N, H, W]`) and every mean loss pay that on each step; on the
 * tiny CNN's `[32, 11, 11, 16]` batch norm, 0.5 ms of a 5.5 ms step.
 *
 * Ours broadcast the reshaped `dy` with `broadcastTo` (the `Tile` kernel: block copies), dividing
 * the small `dy` first for `Mean`. Multiplying by one, and dividing before or after a copy,
 * change no bit (NaN, infinities, signed zeros included). A `dy` that is not float32 or an empty
 * `x` go to the stock gradient.
 */
function reductionGradient(kernelName: typeof Sum | typeof Mean, stock: GradFunc): GradFunc {
  return (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved;
    const single = Array.isArray(dy) ? dy[0] : dy;
    if (single.dtype !== 'float32' || x.size === 0) return stock(dy, saved, attrs);
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const expanded = x.shape.slice();
    let reduced = 1;
    for (const axis of axes) {
      reduced *= x.shape[axis];
      expanded[axis] = 1;
    }
    return {
      x: () => {
        const small = reshape(single, expanded);
        return broadcastTo(kernelName === Mean ? div(small, reduced) : small, x.shape);
      },
    };
  };
}

/**
 * `Relu` through `BurninReluGrad` (one pass, the bits of tfjs-core's `mul(dy, cast(step(x)))`,
 * which runs three kernels and makes two tensors of x's size) on the backends that register it
 * (wasm, cpu); float32 only, otherwise the stock gradient.
 */
function reluGradient(stock: GradFunc): GradFunc {
  return (dy, saved, attrs) => {
    const [x] = saved;
    const single = Array.isArray(dy) ? dy[0] : dy;
    if (
      single.dtype !== 'float32' ||
      x.dtype !== 'float32' ||
      getKernel(RELU_GRAD_KERNEL, getBackend()) == null
    ) {
      return stock(dy, saved, attrs);
    }
    return { x: () => engine().runKernel(RELU_GRAD_KERNEL, { dy: single, y: x }) as Tensor };
  };
}

/**
 * The gradient of `BurninReluGrad` itself (second-order gradients through a relu), as tfjs-core
 * differentiates `mul(dy, step(y))`: `ddx * step(y)` for `dy`, zeros for `y` (step's gradient).
 */
const reluGradGradient: GradConfig = {
  kernelName: RELU_GRAD_KERNEL,
  inputsToSave: ['y'],
  gradFunc: (ddx, saved) => {
    const [y] = saved;
    const single = Array.isArray(ddx) ? ddx[0] : ddx;
    return {
      dy: () => engine().runKernel(RELU_GRAD_KERNEL, { dy: single, y }) as Tensor,
      y: () => zerosLike(y),
    };
  },
};

const REPLACEMENTS: ReadonlyArray<[string, (stock: GradFunc) => GradFunc]> = [
  [Sum, (stock) => reductionGradient(Sum, stock)],
  [Mean, (stock) => reductionGradient(Mean, stock)],
  [Relu, reluGradient],
];

const installed = new Map<string, GradConfig>();

/**
 * Replaces tfjs-core's registered `Sum`, `Mean` and `Relu` gradients with the faster ones above
 * (same bits) and registers the gradient of `BurninReluGrad`. Idempotent. A kernel with no
 * registered gradient (a page that never imported tfjs-core's gradients) keeps none.
 */
export function registerFasterGradients(): void {
  for (const [name, make] of REPLACEMENTS) {
    const current = getGradient(name);
    if (current == null || current === installed.get(name)) continue;
    const ours: GradConfig = { ...current, gradFunc: make(current.gradFunc) };
    installed.set(name, ours);
    registerGradient(ours);
  }
  if (getGradient(RELU_GRAD_KERNEL) !== reluGradGradient) registerGradient(reluGradGradient);
}

/** Whether {@link registerFasterGradients}' replacement is in effect for `kernelName`. */
export function fasterGradientInstalled(kernelName: string): boolean {
  const current = getGradient(kernelName);
  return current != null && current === installed.get(kernelName);
}
