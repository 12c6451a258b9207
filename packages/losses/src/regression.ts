import * as tf from '@tensorflow/tfjs-core';
import { LossOptionError } from './errors.js';
import { checkOptions, OPTION_KEYS } from './options.js';
import {
  checkPair,
  fusedLoss,
  type LossOptions,
  reduceLoss,
  resolveReduction,
  resolveWeights,
} from './reduction.js';

/** Keras' `backend.epsilon()`, used by the Keras-style losses below. */
export const KERAS_EPSILON = 1e-7;

function checkPositive(fn: string, option: string, value: number, allowZero: boolean): void {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new LossOptionError(fn, option, value, allowZero ? 'a finite number >= 0' : '> 0');
  }
}

/**
 * Elementwise loss with a fused custom gradient (targets and weights are constants).
 * `forward(d)` / `grad(d)` take `d = predictions - targets`.
 */
function elementwiseOfDiff(
  fn: string,
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions,
  forward: (d: tf.Tensor) => tf.Tensor,
  grad: (d: tf.Tensor, g: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    return fusedLoss(
      predictions,
      predictions.shape,
      (p) => {
        const d = tf.sub(p, targets);
        return { loss: forward(d), saved: [d] };
      },
      (_p, [d], g) => grad(d, g),
      weights,
      reduction,
    );
  });
}

/**
 * Squared error `(predictions - targets)^2` per element, weighted and reduced. Same values as
 * `tf.losses.meanSquaredError(targets, predictions, weights, reduction)` for every reduction.
 *
 * @example meanSquaredError(y, yHat) // mean over all elements
 */
export function meanSquaredError(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('meanSquaredError', options, OPTION_KEYS.loss);
  return elementwiseOfDiff(
    'meanSquaredError',
    targets,
    predictions,
    options,
    (d) => tf.square(d),
    (d, g) => tf.mul(d, tf.mul(g, 2)),
  );
}

/**
 * Absolute error `|predictions - targets|` per element (`tf.losses.absoluteDifference`). The
 * gradient at equality is 0 (sign(0)).
 */
export function meanAbsoluteError(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('meanAbsoluteError', options, OPTION_KEYS.loss);
  return elementwiseOfDiff(
    'meanAbsoluteError',
    targets,
    predictions,
    options,
    (d) => tf.abs(d),
    (d, g) => tf.mul(tf.sign(d), g),
  );
}

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
export function huberLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: HuberOptions = {},
): tf.Tensor {
  options = checkOptions('huberLoss', options, OPTION_KEYS.huber);
  const delta = options.delta ?? 1;
  checkPositive('huberLoss', 'delta', delta, false);
  return elementwiseOfDiff(
    'huberLoss',
    targets,
    predictions,
    options,
    (d) => huberForward(d, delta),
    (d, g) => tf.mul(tf.clipByValue(d, -delta, delta), g),
  );
}

/** Smooth L1 with `beta` (>= 0, default 1; torchvision detection models use 1/9). */
export interface SmoothL1Options extends LossOptions {
  beta?: number;
}

/**
 * Smooth L1 loss per element, torch / Fast R-CNN convention: `0.5 d^2 / beta` for
 * `|d| < beta`, else `|d| - beta / 2`; `beta = 0` is the L1 loss. Equals `huberLoss / beta`.
 */
export function smoothL1Loss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: SmoothL1Options = {},
): tf.Tensor {
  options = checkOptions('smoothL1Loss', options, OPTION_KEYS.smoothL1);
  const beta = options.beta ?? 1;
  checkPositive('smoothL1Loss', 'beta', beta, true);
  if (beta === 0) {
    const { weights, reduction } = options;
    return meanAbsoluteError(targets, predictions, { weights, reduction });
  }
  return elementwiseOfDiff(
    'smoothL1Loss',
    targets,
    predictions,
    options,
    (d) => tf.div(huberForward(d, beta), beta),
    (d, g) => tf.mul(tf.clipByValue(d, -beta, beta), tf.div(g, beta)),
  );
}

/**
 * `log(cosh(d))` per element (Keras `log_cosh`), computed stably as `d + softplus(-2d) - log 2`
 * so it never overflows. Gradient `tanh(d)`.
 */
export function logCoshLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('logCoshLoss', options, OPTION_KEYS.loss);
  return elementwiseOfDiff(
    'logCoshLoss',
    targets,
    predictions,
    options,
    (d) => tf.sub(tf.add(d, tf.softplus(tf.mul(d, -2))), Math.LN2),
    (d, g) => tf.mul(tf.tanh(d), g),
  );
}

/**
 * `(log(1 + max(p, eps)) - log(1 + max(t, eps)))^2` per element (Keras
 * `mean_squared_logarithmic_error`, `eps = 1e-7`); the mean over the last axis that Keras takes
 * is the default reduction here.
 */
export function meanSquaredLogarithmicError(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('meanSquaredLogarithmicError', options, OPTION_KEYS.loss);
  const fn = 'meanSquaredLogarithmicError';
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    const a = tf.log1p(tf.maximum(predictions, KERAS_EPSILON));
    const b = tf.log1p(tf.maximum(targets, KERAS_EPSILON));
    return reduceLoss(tf.squaredDifference(a, b), weights, reduction);
  });
}

/**
 * `100 |t - p| / max(|t|, eps)` per element (Keras `mean_absolute_percentage_error`,
 * `eps = 1e-7`), in percent.
 */
export function meanAbsolutePercentageError(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('meanAbsolutePercentageError', options, OPTION_KEYS.loss);
  const fn = 'meanAbsolutePercentageError';
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    const scale = tf.div(100, tf.maximum(tf.abs(targets), KERAS_EPSILON));
    return reduceLoss(tf.mul(tf.abs(tf.sub(targets, predictions)), scale), weights, reduction);
  });
}
