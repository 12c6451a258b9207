import { NON_NEGATIVE, POSITIVE } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, type FusedParts } from './define-loss.js';
import { numberOption, OPTION_KEYS } from './options.js';
import type { LossOptions } from './reduction.js';

/** Keras' `backend.epsilon()`, used by the Keras-style losses below. */
export const KERAS_EPSILON = 1e-7;

/**
 * An elementwise loss of `d = predictions - targets` with its closed-form gradient: `forward(d)`
 * the loss, `grad(d, g)` its gradient given `g` (targets and weights are constants).
 */
function ofDifference(
  targets: tf.Tensor,
  forward: (d: tf.Tensor) => tf.Tensor,
  grad: (d: tf.Tensor, g: tf.Tensor) => tf.Tensor,
): FusedParts {
  return {
    forward: (p) => {
      const d = tf.sub(p, targets);
      return { loss: forward(d), saved: [d] };
    },
    backward: (_p, [d], g) => grad(d, g),
  };
}

const absolute = (targets: tf.Tensor) =>
  ofDifference(
    targets,
    (d) => tf.abs(d),
    (d, g) => tf.mul(tf.sign(d), g),
  );

/**
 * Squared error `(predictions - targets)^2` per element, weighted and reduced. Same values as
 * `tf.losses.meanSquaredError(targets, predictions, weights, reduction)` for every reduction.
 *
 * @example meanSquaredError(y, yHat) // mean over all elements
 */
export const meanSquaredError = /* @__PURE__ */ defineLoss<LossOptions>(
  'meanSquaredError',
  (targets) =>
    ofDifference(
      targets,
      (d) => tf.square(d),
      (d, g) => tf.mul(d, tf.mul(g, 2)),
    ),
  { keys: OPTION_KEYS.loss },
);

/**
 * Absolute error `|predictions - targets|` per element (`tf.losses.absoluteDifference`). The
 * gradient at equality is 0 (sign(0)).
 */
export const meanAbsoluteError = /* @__PURE__ */ defineLoss<LossOptions>(
  'meanAbsoluteError',
  absolute,
  { keys: OPTION_KEYS.loss },
);

/** Huber loss with `delta` (> 0, default 1): `0.5 d^2` for `|d| <= delta`, else `delta (|d| - delta / 2)`. */
export interface HuberOptions extends LossOptions {
  delta?: number;
}

function huberForward(d: tf.Tensor, delta: number): tf.Tensor {
  // q (|d| - q / 2) with q = min(|d|, delta) equals both branches of the Huber loss.
  const a = tf.abs(d);
  const q = tf.minimum(a, delta);
  return tf.mul(q, tf.sub(a, tf.mul(q, 0.5)));
}

/**
 * Huber loss per element, as `tf.losses.huberLoss` (and Keras `Huber`): quadratic within
 * `delta` of the target, linear outside. Gradient: `clip(d, -delta, delta)`.
 */
export const huberLoss = /* @__PURE__ */ defineLoss<HuberOptions, number>(
  'huberLoss',
  (targets, _p, { params: delta }) =>
    ofDifference(
      targets,
      (d) => huberForward(d, delta),
      (d, g) => tf.mul(tf.clipByValue(d, -delta, delta), g),
    ),
  {
    keys: OPTION_KEYS.huber,
    params: (fn, o) => numberOption(fn, 'delta', o.delta, 1, POSITIVE),
  },
);

/** Smooth L1 with `beta` (>= 0, default 1; torchvision detection models use 1/9). */
export interface SmoothL1Options extends LossOptions {
  beta?: number;
}

/**
 * Smooth L1 loss per element, torch / Fast R-CNN convention: `0.5 d^2 / beta` for
 * `|d| < beta`, else `|d| - beta / 2`; `beta = 0` is the L1 loss. Equals `huberLoss / beta`.
 */
export const smoothL1Loss = /* @__PURE__ */ defineLoss<SmoothL1Options, number>(
  'smoothL1Loss',
  (targets, _p, { params: beta }) =>
    beta === 0
      ? absolute(targets)
      : ofDifference(
          targets,
          (d) => tf.div(huberForward(d, beta), beta),
          (d, g) => tf.mul(tf.clipByValue(d, -beta, beta), tf.div(g, beta)),
        ),
  {
    keys: OPTION_KEYS.smoothL1,
    params: (fn, o) => numberOption(fn, 'beta', o.beta, 1, NON_NEGATIVE),
  },
);

/**
 * `log(cosh(d))` per element (Keras `log_cosh`), computed stably as `d + softplus(-2d) - log 2`
 * so it never overflows. Gradient `tanh(d)`.
 */
export const logCoshLoss = /* @__PURE__ */ defineLoss<LossOptions>(
  'logCoshLoss',
  (targets) =>
    ofDifference(
      targets,
      (d) => tf.sub(tf.add(d, tf.softplus(tf.mul(d, -2))), Math.LN2),
      (d, g) => tf.mul(tf.tanh(d), g),
    ),
  { keys: OPTION_KEYS.loss },
);

/**
 * `(log(1 + max(p, eps)) - log(1 + max(t, eps)))^2` per element (Keras
 * `mean_squared_logarithmic_error`, `eps = 1e-7`); the mean over the last axis that Keras takes
 * is the default reduction here.
 */
export const meanSquaredLogarithmicError = /* @__PURE__ */ defineLoss<LossOptions>(
  'meanSquaredLogarithmicError',
  (targets, predictions) =>
    tf.squaredDifference(
      tf.log1p(tf.maximum(predictions, KERAS_EPSILON)),
      tf.log1p(tf.maximum(targets, KERAS_EPSILON)),
    ),
  { keys: OPTION_KEYS.loss },
);

/**
 * `100 |t - p| / max(|t|, eps)` per element (Keras `mean_absolute_percentage_error`,
 * `eps = 1e-7`), in percent.
 */
export const meanAbsolutePercentageError = /* @__PURE__ */ defineLoss<LossOptions>(
  'meanAbsolutePercentageError',
  (targets, predictions) => {
    const scale = tf.div(100, tf.maximum(tf.abs(targets), KERAS_EPSILON));
    return tf.mul(tf.abs(tf.sub(targets, predictions)), scale);
  },
  { keys: OPTION_KEYS.loss },
);
