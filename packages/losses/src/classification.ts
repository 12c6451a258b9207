import * as tf from '@tensorflow/tfjs-core';
import { LossOptionError, LossShapeError } from './errors.js';
import { checkOptions, OPTION_KEYS } from './options.js';
import {
  checkPair,
  fusedLoss,
  type LossOptions,
  reduceLoss,
  resolveReduction,
  resolveWeights,
} from './reduction.js';
import { KERAS_EPSILON } from './regression.js';

/** Label smoothing in [0, 1] (default 0). */
export interface LabelSmoothingOptions extends LossOptions {
  labelSmoothing?: number;
}

function checkUnit(fn: string, option: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new LossOptionError(fn, option, value, 'a number in [0, 1]');
  }
}

/**
 * Binary cross-entropy of logits `x` against targets `t`, computed stably as
 * `max(x, 0) - x t + log(1 + exp(-|x|))` (finite for any finite logit).
 */
export function sigmoidCrossEntropyElementwise(t: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/**
 * `log(1 + u)` for `u >= 0`. The wasm backend's Log1p kernel evaluates `log(1 + u)` literally
 * (4e-4 relative error at u = 4.5e-5), so there we use Kahan's correction
 * `log(w) * u / (w - 1)` with `w = 1 + u` (and `u` where `w` rounds to 1). Differentiable
 * (only `GreaterEqual`, which has a gradient, is used for the branch).
 */
export function log1p(u: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.log1p(u);
  const w = tf.add(u, 1);
  const exact = tf.greaterEqual(1, w);
  const d = tf.where(exact, tf.onesLike(w), tf.sub(w, 1));
  return tf.where(exact, u, tf.mul(tf.log(w), tf.div(u, d)));
}

/**
 * Sigmoid cross-entropy from logits per element, as `tf.losses.sigmoidCrossEntropy`
 * (`labelSmoothing` moves targets towards 0.5: `t (1 - s) + s / 2`). Gradient `sigmoid(x) - t`.
 * Finite for any finite logit (|x| = 100 included).
 */
export function sigmoidCrossEntropy(
  targets: tf.Tensor,
  logits: tf.Tensor,
  options: LabelSmoothingOptions = {},
): tf.Tensor {
  options = checkOptions(
    'sigmoidCrossEntropy',
    options,
    OPTION_KEYS.labelSmoothing,
    '(targets, logits, ',
  );
  const fn = 'sigmoidCrossEntropy';
  checkPair(fn, targets, logits, 'logits');
  const reduction = resolveReduction(fn, options.reduction);
  const s = options.labelSmoothing ?? 0;
  checkUnit(fn, 'labelSmoothing', s);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, logits.shape);
    const t = s > 0 ? tf.add(tf.mul(targets, 1 - s), 0.5 * s) : targets;
    return fusedLoss(
      logits,
      logits.shape,
      (x) => ({ loss: sigmoidCrossEntropyElementwise(t, x), saved: [t] }),
      (x, [tt], g) => tf.mul(tf.sub(tf.sigmoid(x), tt), g),
      weights,
      reduction,
    );
  });
}

/**
 * Softmax cross-entropy from logits over the last axis, as `tf.losses.softmaxCrossEntropy`:
 * the unreduced loss has the shape of `logits` without its last axis. `labelSmoothing` mixes the
 * targets with the uniform distribution: `t (1 - s) + s / C`. The gradient is exact also for
 * targets that do not sum to 1: `softmax(x) * sum(t) - t`.
 */
export function softmaxCrossEntropy(
  targets: tf.Tensor,
  logits: tf.Tensor,
  options: LabelSmoothingOptions = {},
): tf.Tensor {
  options = checkOptions(
    'softmaxCrossEntropy',
    options,
    OPTION_KEYS.labelSmoothing,
    '(targets, logits, ',
  );
  const fn = 'softmaxCrossEntropy';
  checkPair(fn, targets, logits, 'logits');
  if (logits.rank < 1) throw new LossShapeError(fn, 'logits', logits.shape, 'rank >= 1');
  const reduction = resolveReduction(fn, options.reduction);
  const s = options.labelSmoothing ?? 0;
  checkUnit(fn, 'labelSmoothing', s);
  const numClasses = logits.shape[logits.rank - 1];
  const lossShape = logits.shape.slice(0, -1);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, lossShape);
    const t = s > 0 ? tf.add(tf.mul(targets, 1 - s), s / numClasses) : targets;
    return fusedLoss(
      logits,
      lossShape,
      (x) => {
        const logp = tf.sub(x, tf.logSumExp(x, -1, true));
        const loss = tf.neg(tf.sum(tf.mul(t, logp), -1));
        return { loss, saved: [t, logp, tf.sum(t, -1, true)] };
      },
      (_x, [tt, logp, sumT], g) => tf.mul(tf.sub(tf.mul(tf.exp(logp), sumT), tt), g),
      weights,
      reduction,
      true,
    );
  });
}

/** Options of `binaryCrossentropy` (Keras `binary_crossentropy`). */
export interface BinaryCrossentropyOptions extends LabelSmoothingOptions {
  /** Predictions are logits instead of probabilities (default false). */
  fromLogits?: boolean;
}

/**
 * Binary cross-entropy per element, Keras convention: probabilities are clipped to
 * `[1e-7, 1 - 1e-7]` (zero gradient outside, so a probability of exactly 0 or 1 gives a finite
 * loss), label smoothing `t (1 - s) + s / 2`; with `fromLogits` it is `sigmoidCrossEntropy`.
 * Keras' mean over the last axis is the default reduction here.
 */
export function binaryCrossentropy(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BinaryCrossentropyOptions = {},
): tf.Tensor {
  options = checkOptions('binaryCrossentropy', options, OPTION_KEYS.binaryCrossentropy);
  const fn = 'binaryCrossentropy';
  if (options.fromLogits) {
    const { weights, reduction, labelSmoothing } = options;
    return sigmoidCrossEntropy(targets, predictions, { weights, reduction, labelSmoothing });
  }
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  const s = options.labelSmoothing ?? 0;
  checkUnit(fn, 'labelSmoothing', s);
  const lo = KERAS_EPSILON;
  const hi = 1 - KERAS_EPSILON;
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    const t = s > 0 ? tf.add(tf.mul(targets, 1 - s), 0.5 * s) : targets;
    return fusedLoss(
      predictions,
      predictions.shape,
      (x) => {
        const p = tf.clipByValue(x, lo, hi);
        const q = tf.sub(1, p);
        const loss = tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(q))));
        return { loss, saved: [t] };
      },
      (x, [tt], g) => {
        // d/dp of the clipped loss: (p - t) / (p (1 - p)) inside [eps, 1 - eps], 0 outside.
        const p = tf.clipByValue(x, lo, hi);
        const inside = tf.cast(
          tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)),
          'float32',
        );
        const d = tf.div(tf.sub(p, tt), tf.mul(p, tf.sub(1, p)));
        return tf.mul(tf.mul(d, inside), g);
      },
      weights,
      reduction,
    );
  });
}

/**
 * Hinge loss per element as `tf.losses.hingeLoss`: targets in {0, 1} are mapped to {-1, 1}
 * (`y = 2 t - 1`), loss `max(0, 1 - y p)`. The gradient at the hinge (`y p = 1`) is 0.
 */
export function hingeLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('hingeLoss', options, OPTION_KEYS.loss);
  const fn = 'hingeLoss';
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    const y = tf.sub(tf.mul(targets, 2), 1);
    return fusedLoss(
      predictions,
      predictions.shape,
      (p) => {
        const margin = tf.sub(1, tf.mul(y, p));
        return { loss: tf.relu(margin), saved: [y] };
      },
      (p, [yy], g) => tf.mul(tf.mul(tf.step(tf.sub(1, tf.mul(yy, p))), yy), tf.neg(g)),
      weights,
      reduction,
    );
  });
}

/**
 * Kullback-Leibler divergence `sum(t log(t / p))` over the last axis (Keras
 * `kl_divergence`: both clipped to `[1e-7, 1]`). Unreduced shape: input shape without the last
 * axis.
 */
export function kullbackLeiblerDivergence(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('kullbackLeiblerDivergence', options, OPTION_KEYS.loss);
  const fn = 'kullbackLeiblerDivergence';
  checkPair(fn, targets, predictions);
  if (predictions.rank < 1) {
    throw new LossShapeError(fn, 'predictions', predictions.shape, 'rank >= 1');
  }
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape.slice(0, -1));
    const t = tf.clipByValue(targets, KERAS_EPSILON, 1);
    const p = tf.clipByValue(predictions, KERAS_EPSILON, 1);
    return reduceLoss(tf.sum(tf.mul(t, tf.log(tf.div(t, p))), -1), weights, reduction);
  });
}

/**
 * Poisson loss `p - t log(p + 1e-7)` per element (Keras `poisson`); predictions are rates
 * (>= 0).
 */
export function poisson(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: LossOptions = {},
): tf.Tensor {
  options = checkOptions('poisson', options, OPTION_KEYS.loss);
  const fn = 'poisson';
  checkPair(fn, targets, predictions);
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, predictions.shape);
    const loss = tf.sub(predictions, tf.mul(targets, tf.log(tf.add(predictions, KERAS_EPSILON))));
    return reduceLoss(loss, weights, reduction);
  });
}

/** Options of `cosineSimilarity`. */
export interface CosineSimilarityOptions extends LossOptions {
  /** Axis along which vectors lie (default -1). */
  axis?: number;
}

/**
 * Negative cosine similarity along `axis` (Keras `cosine_similarity`): `-sum(t^ p^)` with
 * `v^ = v / sqrt(max(sum(v^2), 1e-12))`, so a zero vector gives 0, not NaN. Range [-1, 1]
 * (-1 = same direction). Unreduced shape: input shape without `axis`.
 */
export function cosineSimilarity(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: CosineSimilarityOptions = {},
): tf.Tensor {
  options = checkOptions('cosineSimilarity', options, OPTION_KEYS.cosineSimilarity);
  const fn = 'cosineSimilarity';
  checkPair(fn, targets, predictions);
  const rank = predictions.rank;
  const axis = options.axis ?? -1;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new LossOptionError(fn, 'axis', axis, `an integer in [${-rank}, ${rank - 1}]`);
  }
  const ax = axis < 0 ? axis + rank : axis;
  const reduction = resolveReduction(fn, options.reduction);
  return tf.tidy(() => {
    const weights = resolveWeights(
      fn,
      options.weights,
      predictions.shape.filter((_, i) => i !== ax),
    );
    const normalize = (v: tf.Tensor) =>
      tf.mul(v, tf.rsqrt(tf.maximum(tf.sum(tf.square(v), ax, true), 1e-12)));
    const loss = tf.neg(tf.sum(tf.mul(normalize(targets), normalize(predictions)), ax));
    return reduceLoss(loss, weights, reduction);
  });
}
