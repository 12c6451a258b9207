import * as tf from '@tensorflow/tfjs-core';
import { LossDtypeError, LossOptionError, LossShapeError } from './errors.js';

/**
 * Options every loss accepts.
 *
 * - `weights`: a number or a float32 tensor broadcastable (numpy rules, aligned from the right) to
 *   the shape of the unreduced loss. Weights are constants for differentiation: no gradient flows
 *   into them.
 * - `reduction`: `tf.Reduction` with the semantics of `tf.losses.computeWeightedLoss`; default
 *   `SUM_BY_NONZERO_WEIGHTS`. `NONE` returns the (weighted) per-element loss.
 *   One deliberate difference: where `tf.losses` divides 0 by 0 (`MEAN` with weights summing to 0,
 *   `SUM_BY_NONZERO_WEIGHTS` with all weights 0 or an empty loss) we return 0 like Python
 *   TensorFlow's `compute_weighted_loss` (`div_no_nan`), never NaN.
 */
export interface LossOptions {
  weights?: tf.Tensor | number;
  reduction?: tf.Reduction;
}

const REDUCTIONS = [
  tf.Reduction.NONE,
  tf.Reduction.MEAN,
  tf.Reduction.SUM,
  tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
];

/** The argument type of `tf.customGrad` (its parameter list is typed loosely upstream). */
export type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Validates `options.reduction` (default `SUM_BY_NONZERO_WEIGHTS`). */
export function resolveReduction(fn: string, reduction: tf.Reduction | undefined): tf.Reduction {
  if (reduction === undefined) return tf.Reduction.SUM_BY_NONZERO_WEIGHTS;
  if (!REDUCTIONS.includes(reduction)) {
    throw new LossOptionError(
      fn,
      'reduction',
      reduction,
      'one of tf.Reduction.NONE, MEAN, SUM, SUM_BY_NONZERO_WEIGHTS',
    );
  }
  return reduction;
}

/** Throws `LossDtypeError` unless `t` is float32. */
export function checkFloat(fn: string, field: string, t: tf.Tensor): void {
  if (!(t instanceof tf.Tensor)) {
    throw new LossDtypeError(fn, field, typeof t, 'a float32 tf.Tensor');
  }
  if (t.dtype !== 'float32') throw new LossDtypeError(fn, field, t.dtype, 'float32');
}

/** Checks dtypes (float32) and that `targets` and `predictions` have identical shapes. */
export function checkPair(
  fn: string,
  targets: tf.Tensor,
  predictions: tf.Tensor,
  predictionsName = 'predictions',
): void {
  checkFloat(fn, 'targets', targets);
  checkFloat(fn, predictionsName, predictions);
  if (!tf.util.arraysEqual(targets.shape, predictions.shape)) {
    throw new LossShapeError(
      fn,
      'targets',
      targets.shape,
      `the shape of ${predictionsName} [${predictions.shape.join(', ')}]`,
    );
  }
}

/** Throws unless `shape` broadcasts (numpy rules) to exactly `target`. */
export function checkBroadcastable(
  fn: string,
  field: string,
  shape: readonly number[],
  target: readonly number[],
): void {
  let ok = shape.length <= target.length;
  for (let i = 1; ok && i <= shape.length; i++) {
    const s = shape[shape.length - i];
    ok = s === 1 || s === target[target.length - i];
  }
  if (!ok) {
    throw new LossShapeError(
      fn,
      field,
      shape,
      `a shape broadcastable to the loss shape [${target.join(', ')}]`,
    );
  }
}

/**
 * Converts and validates `options.weights` against the unreduced loss shape. Returns null when
 * there are no weights. A number becomes a scalar tensor (the caller disposes it via tidy).
 */
export function resolveWeights(
  fn: string,
  weights: tf.Tensor | number | undefined,
  lossShape: readonly number[],
): tf.Tensor | null {
  if (weights === undefined || weights === null) return null;
  if (typeof weights === 'number') {
    if (!Number.isFinite(weights)) {
      throw new LossOptionError(fn, 'weights', weights, 'a finite number or a float32 tensor');
    }
    return tf.scalar(weights);
  }
  checkFloat(fn, 'weights', weights);
  checkBroadcastable(fn, 'weights', weights.shape, lossShape);
  return weights;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The scalar a weighted sum is divided by for `reduction` (null for `NONE` and `SUM`), following
 * `tf.losses.computeWeightedLoss`. `MEAN` with weights: `sum(weights) * size(loss) / size(weights)`;
 * `SUM_BY_NONZERO_WEIGHTS` with weights: the number of nonzero weights after broadcasting
 * (computed without materialising the broadcast).
 */
export function reductionDenominator(
  lossShape: readonly number[],
  weights: tf.Tensor | null,
  reduction: tf.Reduction,
): tf.Scalar | null {
  if (reduction === tf.Reduction.NONE || reduction === tf.Reduction.SUM) return null;
  const size = sizeOf(lossShape);
  if (weights === null) return tf.scalar(size);
  const factor = size / weights.size;
  if (reduction === tf.Reduction.MEAN) return tf.mul(tf.sum(weights), factor) as tf.Scalar;
  return tf.mul(tf.sum(tf.cast(tf.notEqual(weights, 0), 'float32')), factor) as tf.Scalar;
}

/**
 * `a / b`, 0 where `b` is 0 (`b` is a denominator that does not depend on what is being
 * differentiated; unlike `tf.divNoNan` this has a gradient with respect to `a`).
 */
export function safeDiv(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const nonZero = tf.notEqual(b, 0);
  const safeB = tf.where(nonZero, b, tf.onesLike(b));
  return tf.mul(tf.div(a, safeB), tf.cast(nonZero, a.dtype));
}

/**
 * Reduces an unreduced loss with `tf.losses.computeWeightedLoss` semantics using ordinary
 * (differentiable) ops. `weightsAlreadyApplied` is for losses that apply their weights
 * themselves (TF OD API localization losses): the weights then only set the denominator.
 */
export function reduceLoss(
  losses: tf.Tensor,
  weights: tf.Tensor | null,
  reduction: tf.Reduction,
  weightsAlreadyApplied = false,
): tf.Tensor {
  return tf.tidy(() => {
    const weighted = weights === null || weightsAlreadyApplied ? losses : tf.mul(losses, weights);
    if (reduction === tf.Reduction.NONE) return weighted;
    const total = tf.sum(weighted);
    const denominator = reductionDenominator(losses.shape, weights, reduction);
    return denominator === null ? total : safeDiv(total, denominator);
  });
}

/**
 * A loss whose unreduced value (shape `lossShape`) and the tensors its gradient needs come from
 * `forward(p)`, and whose gradient with respect to `p` is `backward(p, saved, g)` given `g`, the
 * gradient with respect to the unreduced loss (a scalar or a tensor broadcastable to `p`; for row
 * losses it has a trailing axis of 1). Weighting and reduction are fused into the custom gradient
 * so the backward pass costs one elementwise pass. Targets and weights are constants for
 * differentiation. Everything `backward` uses must be passed through `saved` (tensors created in
 * the caller's tidy are gone by the time the gradient runs).
 */
export function fusedLoss(
  p: tf.Tensor,
  lossShape: readonly number[],
  forward: (p: tf.Tensor) => { loss: tf.Tensor; saved: tf.Tensor[] },
  backward: (p: tf.Tensor, saved: tf.Tensor[], g: tf.Tensor) => tf.Tensor,
  weights: tf.Tensor | null,
  reduction: tf.Reduction,
  rowLoss = false,
): tf.Tensor {
  // Without weights the denominator is a plain number (no scalar-tensor bookkeeping).
  const size = lossShape.reduce((a, b) => a * b, 1);
  const divideBySize =
    weights === null &&
    (reduction === tf.Reduction.MEAN || reduction === tf.Reduction.SUM_BY_NONZERO_WEIGHTS);
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const { loss, saved } = forward(x);
    const weighted = weights === null ? loss : tf.mul(loss, weights);
    let value: tf.Tensor;
    let denominator: tf.Scalar | null = null;
    if (reduction === tf.Reduction.NONE) {
      value = weighted;
    } else if (divideBySize) {
      value = size === 0 ? tf.zeros([]) : tf.div(tf.sum(weighted), size);
    } else {
      denominator = reductionDenominator(lossShape, weights, reduction);
      const total = tf.sum(weighted);
      value = denominator === null ? total : safeDiv(total, denominator);
    }
    const extra: tf.Tensor[] = [];
    if (denominator !== null) extra.push(denominator);
    if (weights !== null) extra.push(weights);
    save([x, ...extra, ...saved]);
    const nExtra = extra.length;
    return {
      value,
      gradFunc: (dy: tf.Tensor, all: tf.Tensor[]) => {
        const xs = all[0];
        let i = 1;
        let g: tf.Tensor = dy;
        if (divideBySize) g = size === 0 ? tf.zerosLike(dy) : tf.div(dy, size);
        else if (denominator !== null) g = safeDiv(dy, all[i++]);
        if (weights !== null) g = tf.mul(g, all[i++]);
        if (rowLoss && g.rank > 0) g = tf.expandDims(g, -1);
        return backward(xs, all.slice(1 + nExtra), g);
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(p);
}
