import { POSITIVE } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { defineLoss } from './define-loss.js';
import { LossShapeError } from './errors.js';
import { numberOption, OPTION_KEYS } from './options.js';
import type { LossOptions } from './reduction.js';

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

/** Throws unless the box encodings are `[batch, anchors, code]`. */
function checkEncodings(fn: string, predictions: tf.Tensor): void {
  if (predictions.rank !== 3) {
    throw new LossShapeError(fn, 'predictions', predictions.shape, '[batch, anchors, code]');
  }
}

/** The unreduced shape `[batch, anchors]`. */
const perAnchor = (predictions: tf.Tensor) => predictions.shape.slice(0, 2);

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
export const weightedSmoothL1LocalizationLoss = /* @__PURE__ */ defineLoss<
  WeightedSmoothL1Options,
  { delta: number; ignoreNan: boolean }
>(
  'weightedSmoothL1LocalizationLoss',
  (targets, _p, { params: { delta, ignoreNan } }) => ({
    // The anchor weight multiplies the per-anchor sum, exactly what fusedLoss's weighting does.
    forward: (p) => {
      // TF OD API ignore_nan_targets: a NaN target is replaced by the prediction (d = 0).
      const d = ignoreNan
        ? tf.where(tf.isNaN(targets), tf.zerosLike(p), tf.sub(p, targets))
        : tf.sub(p, targets);
      const a = tf.abs(d);
      const q = tf.minimum(a, delta);
      return { loss: tf.sum(tf.mul(q, tf.sub(a, tf.mul(q, 0.5))), -1), saved: [d] };
    },
    backward: (_p, [d], g) => tf.mul(tf.clipByValue(d, -delta, delta), g),
    rowLoss: true,
  }),
  {
    keys: OPTION_KEYS.smoothL1Localization,
    params: (fn, o, _t, predictions) => {
      const delta = numberOption(fn, 'delta', o.delta, 1, POSITIVE);
      checkEncodings(fn, predictions);
      return { delta, ignoreNan: Boolean(o.ignoreNanTargets) };
    },
    lossShape: perAnchor,
  },
);

/**
 * TF OD API `WeightedL2LocalizationLoss`: `0.5 * sum_k (w (p_k - t_k))^2`. Note the anchor weight
 * is applied before squaring, as in TF OD API, so it enters squared. Unreduced `[batch, anchors]`.
 */
export const weightedL2LocalizationLoss = /* @__PURE__ */ defineLoss<
  LocalizationLossOptions,
  boolean
>(
  'weightedL2LocalizationLoss',
  (targets, predictions, { params: ignoreNan, weights }) => {
    const t = ignoreNan ? tf.where(tf.isNaN(targets), predictions, targets) : targets;
    let diff = tf.sub(predictions, t);
    if (weights !== null) diff = tf.mul(diff, tf.expandDims(weights, -1));
    return tf.mul(tf.sum(tf.square(diff), -1), 0.5);
  },
  {
    keys: OPTION_KEYS.localization,
    params: (fn, o, _t, predictions) => {
      checkEncodings(fn, predictions);
      return Boolean(o.ignoreNanTargets);
    },
    lossShape: perAnchor,
    weightsApplied: true,
  },
);
