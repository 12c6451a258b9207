import * as tf from '@tensorflow/tfjs-core';
import { LossOptionError, LossShapeError } from './errors.js';
import { checkOptions, OPTION_KEYS } from './options.js';
import {
  checkBroadcastable,
  checkFloat,
  checkPair,
  fusedLoss,
  type LossOptions,
  reduceLoss,
  resolveReduction,
} from './reduction.js';

/**
 * Options of the TF Object Detection API localization losses. Predictions and targets are box
 * encodings `[batch, anchors, code]`; the unreduced loss is `[batch, anchors]`.
 *
 * - `weights`: per-anchor weights (broadcastable to `[batch, anchors]`, TF OD API passes
 *   `[batch, anchors]`), applied exactly as TF OD API does (see each loss). For `MEAN` and
 *   `SUM_BY_NONZERO_WEIGHTS` they also set the denominator as in `tf.losses.computeWeightedLoss`.
 * - `reduction`: default `SUM_BY_NONZERO_WEIGHTS`; `tf.Reduction.NONE` returns what TF OD API's
 *   `Loss.__call__` returns.
 * - `ignoreNanTargets`: where a target is NaN use the prediction instead (loss 0 there), as
 *   TF OD API's `ignore_nan_targets`.
 */
export interface LocalizationLossOptions extends LossOptions {
  ignoreNanTargets?: boolean;
}

function prepare(fn: string, targets: tf.Tensor, predictions: tf.Tensor, options: LossOptions) {
  checkPair(fn, targets, predictions);
  if (predictions.rank !== 3) {
    throw new LossShapeError(fn, 'predictions', predictions.shape, '[batch, anchors, code]');
  }
  const reduction = resolveReduction(fn, options.reduction);
  const lossShape = predictions.shape.slice(0, 2);
  let weights: tf.Tensor | null = null;
  if (typeof options.weights === 'number') {
    if (!Number.isFinite(options.weights)) {
      throw new LossOptionError(fn, 'weights', options.weights, 'a finite number or a tensor');
    }
  } else if (options.weights !== undefined && options.weights !== null) {
    checkFloat(fn, 'weights', options.weights);
    checkBroadcastable(fn, 'weights', options.weights.shape, lossShape);
    weights = options.weights;
  }
  return { reduction, lossShape, weights };
}

function cleanTargets(t: tf.Tensor, p: tf.Tensor, ignoreNan: boolean | undefined): tf.Tensor {
  return ignoreNan ? tf.where(tf.isNaN(t), p, t) : t;
}

/** Options of `weightedSmoothL1LocalizationLoss`. */
export interface WeightedSmoothL1Options extends LocalizationLossOptions {
  /** Huber delta (> 0, default 1 as in TF OD API). */
  delta?: number;
}

/**
 * TF OD API `WeightedSmoothL1LocalizationLoss`: Huber loss (`delta`, default 1) of each code
 * element, summed over the code axis, times the anchor weight: `w * sum_k huber(p_k - t_k)`.
 * Unreduced `[batch, anchors]`.
 */
export function weightedSmoothL1LocalizationLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: WeightedSmoothL1Options = {},
): tf.Tensor {
  options = checkOptions(
    'weightedSmoothL1LocalizationLoss',
    options,
    OPTION_KEYS.smoothL1Localization,
  );
  const fn = 'weightedSmoothL1LocalizationLoss';
  const delta = options.delta ?? 1;
  if (!(Number.isFinite(delta) && delta > 0)) {
    throw new LossOptionError(fn, 'delta', delta, 'a finite number > 0');
  }
  const { reduction, weights, lossShape } = prepare(fn, targets, predictions, options);
  return tf.tidy(() => {
    const w = typeof options.weights === 'number' ? tf.scalar(options.weights) : weights;
    // The anchor weight multiplies the per-anchor sum, exactly what fusedLoss's weighting does.
    return fusedLoss(
      predictions,
      lossShape,
      (p) => {
        // TF OD API ignore_nan_targets: a NaN target is replaced by the prediction (d = 0).
        const d = options.ignoreNanTargets
          ? tf.where(tf.isNaN(targets), tf.zerosLike(p), tf.sub(p, targets))
          : tf.sub(p, targets);
        const a = tf.abs(d);
        const q = tf.minimum(a, delta);
        return { loss: tf.sum(tf.mul(q, tf.sub(a, tf.mul(q, 0.5))), -1), saved: [d] };
      },
      (_p, [d], g) => tf.mul(tf.clipByValue(d, -delta, delta), g),
      w,
      reduction,
      true,
    );
  });
}

/**
 * TF OD API `WeightedL2LocalizationLoss`: `0.5 * sum_k (w (p_k - t_k))^2`. Note the anchor weight
 * is applied before squaring, as in TF OD API, so it enters squared. Unreduced `[batch, anchors]`.
 */
export function weightedL2LocalizationLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LocalizationLossOptions = {},
): tf.Tensor {
  options = checkOptions('weightedL2LocalizationLoss', options, OPTION_KEYS.localization);
  const fn = 'weightedL2LocalizationLoss';
  const { reduction, weights } = prepare(fn, targets, predictions, options);
  return tf.tidy(() => {
    const w = typeof options.weights === 'number' ? tf.scalar(options.weights) : weights;
    const t = cleanTargets(targets, predictions, options.ignoreNanTargets);
    let diff = tf.sub(predictions, t);
    if (w !== null) diff = tf.mul(diff, tf.expandDims(w, -1));
    const perAnchor = tf.mul(tf.sum(tf.square(diff), -1), 0.5);
    return reduceLoss(perAnchor, w, reduction, true);
  });
}
