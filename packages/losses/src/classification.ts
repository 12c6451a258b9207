import { numberRule, UNIT_INTERVAL } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { defineLoss, type FusedParts, type LogitsLoss } from './define-loss.js';
import { LossShapeError } from './errors.js';
import { numberOption, OPTION_KEYS } from './options.js';
import type { LossOptions } from './reduction.js';
import { KERAS_EPSILON } from './regression.js';

/** Label smoothing in [0, 1] (default 0). */
export interface LabelSmoothingOptions extends LossOptions {
  labelSmoothing?: number;
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

/** `options.labelSmoothing` (default 0), in [0, 1]. */
const smoothing = (fn: string, o: LabelSmoothingOptions): number =>
  numberOption(fn, 'labelSmoothing', o.labelSmoothing, 0, UNIT_INTERVAL);

/** Binary targets smoothed towards 0.5: `t (1 - s) + s / 2`. */
const smoothBinary = (targets: tf.Tensor, s: number): tf.Tensor =>
  s > 0 ? tf.add(tf.mul(targets, 1 - s), 0.5 * s) : targets;

/** Sigmoid cross-entropy of logits against (smoothed) targets, gradient `sigmoid(x) - t`. */
function sigmoidCrossEntropyParts(t: tf.Tensor): FusedParts {
  return {
    forward: (x) => ({ loss: sigmoidCrossEntropyElementwise(t, x), saved: [t] }),
    backward: (x, [tt], g) => tf.mul(tf.sub(tf.sigmoid(x), tt), g),
  };
}

/**
 * Sigmoid cross-entropy from logits per element, as `tf.losses.sigmoidCrossEntropy`
 * (`labelSmoothing` moves targets towards 0.5: `t (1 - s) + s / 2`). Gradient `sigmoid(x) - t`.
 * Finite for any finite logit (|x| = 100 included).
 */
export const sigmoidCrossEntropy: LogitsLoss<LabelSmoothingOptions> = /* @__PURE__ */ defineLoss<
  LabelSmoothingOptions,
  number
>(
  'sigmoidCrossEntropy',
  (targets, _x, { params: s }) => sigmoidCrossEntropyParts(smoothBinary(targets, s)),
  {
    keys: OPTION_KEYS.labelSmoothing,
    input: 'logits',
    params: smoothing,
  },
);

/**
 * Softmax cross-entropy from logits over the last axis, as `tf.losses.softmaxCrossEntropy`:
 * the unreduced loss has the shape of `logits` without its last axis. `labelSmoothing` mixes the
 * targets with the uniform distribution: `t (1 - s) + s / C`. The gradient is exact also for
 * targets that do not sum to 1: `softmax(x) * sum(t) - t`.
 */
export const softmaxCrossEntropy: LogitsLoss<LabelSmoothingOptions> = /* @__PURE__ */ defineLoss<
  LabelSmoothingOptions,
  number
>(
  'softmaxCrossEntropy',
  (targets, logits, { params: s }) => {
    const numClasses = logits.shape[logits.rank - 1];
    const t = s > 0 ? tf.add(tf.mul(targets, 1 - s), s / numClasses) : targets;
    return {
      forward: (x) => {
        const logp = tf.sub(x, tf.logSumExp(x, -1, true));
        const loss = tf.neg(tf.sum(tf.mul(t, logp), -1));
        return { loss, saved: [t, logp, tf.sum(t, -1, true)] };
      },
      backward: (_x, [tt, logp, sumT], g) => tf.mul(tf.sub(tf.mul(tf.exp(logp), sumT), tt), g),
      rowLoss: true,
    };
  },
  {
    keys: OPTION_KEYS.labelSmoothing,
    input: 'logits',
    params: (fn, o, _t, logits) => {
      if (logits.rank < 1) throw new LossShapeError(fn, 'logits', logits.shape, 'rank >= 1');
      return smoothing(fn, o);
    },
    lossShape: (logits) => logits.shape.slice(0, -1),
  },
);

/** Options of `binaryCrossentropy` (Keras `binary_crossentropy`). */
export interface BinaryCrossentropyOptions extends LabelSmoothingOptions {
  /** Predictions are logits instead of probabilities (default false). */
  fromLogits?: boolean;
}

/** Keras' clipped binary cross-entropy of probabilities, zero gradient outside the clip. */
function clippedBinaryParts(t: tf.Tensor): FusedParts {
  const lo = KERAS_EPSILON;
  const hi = 1 - KERAS_EPSILON;
  return {
    forward: (x) => {
      const p = tf.clipByValue(x, lo, hi);
      const q = tf.sub(1, p);
      const loss = tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(q))));
      return { loss, saved: [t] };
    },
    backward: (x, [tt], g) => {
      // d/dp of the clipped loss: (p - t) / (p (1 - p)) inside [eps, 1 - eps], 0 outside.
      const p = tf.clipByValue(x, lo, hi);
      const inside = tf.cast(tf.logicalAnd(tf.greaterEqual(x, lo), tf.lessEqual(x, hi)), 'float32');
      const d = tf.div(tf.sub(p, tt), tf.mul(p, tf.sub(1, p)));
      return tf.mul(tf.mul(d, inside), g);
    },
  };
}

/**
 * Binary cross-entropy per element, Keras convention: probabilities are clipped to
 * `[1e-7, 1 - 1e-7]` (zero gradient outside, so a probability of exactly 0 or 1 gives a finite
 * loss), label smoothing `t (1 - s) + s / 2`; with `fromLogits` it is `sigmoidCrossEntropy`.
 * Keras' mean over the last axis is the default reduction here.
 */
export const binaryCrossentropy = /* @__PURE__ */ defineLoss<
  BinaryCrossentropyOptions,
  { s: number; fromLogits: boolean }
>(
  'binaryCrossentropy',
  (targets, _p, { params: { s, fromLogits } }) => {
    const t = smoothBinary(targets, s);
    return fromLogits ? sigmoidCrossEntropyParts(t) : clippedBinaryParts(t);
  },
  {
    keys: OPTION_KEYS.binaryCrossentropy,
    params: (fn, o) => ({ s: smoothing(fn, o), fromLogits: Boolean(o.fromLogits) }),
  },
);

/**
 * Hinge loss per element as `tf.losses.hingeLoss`: targets in {0, 1} are mapped to {-1, 1}
 * (`y = 2 t - 1`), loss `max(0, 1 - y p)`. The gradient at the hinge (`y p = 1`) is 0.
 */
export const hingeLoss = /* @__PURE__ */ defineLoss<LossOptions>(
  'hingeLoss',
  (targets) => {
    const y = tf.sub(tf.mul(targets, 2), 1);
    return {
      forward: (p) => ({ loss: tf.relu(tf.sub(1, tf.mul(y, p))), saved: [y] }),
      backward: (p, [yy], g) => tf.mul(tf.mul(tf.step(tf.sub(1, tf.mul(yy, p))), yy), tf.neg(g)),
    };
  },
  { keys: OPTION_KEYS.loss },
);

/** Throws unless `predictions` has an axis to reduce over; the loss drops the last axis. */
function lastAxis(fn: string, _o: unknown, _t: tf.Tensor, predictions: tf.Tensor): undefined {
  if (predictions.rank < 1) {
    throw new LossShapeError(fn, 'predictions', predictions.shape, 'rank >= 1');
  }
  return undefined;
}

/**
 * Kullback-Leibler divergence `sum(t log(t / p))` over the last axis (Keras
 * `kl_divergence`: both clipped to `[1e-7, 1]`). Unreduced shape: input shape without the last
 * axis.
 */
export const kullbackLeiblerDivergence = /* @__PURE__ */ defineLoss<LossOptions>(
  'kullbackLeiblerDivergence',
  (targets, predictions) => {
    const t = tf.clipByValue(targets, KERAS_EPSILON, 1);
    const p = tf.clipByValue(predictions, KERAS_EPSILON, 1);
    return tf.sum(tf.mul(t, tf.log(tf.div(t, p))), -1);
  },
  { keys: OPTION_KEYS.loss, params: lastAxis, lossShape: (p) => p.shape.slice(0, -1) },
);

/**
 * Poisson loss `p - t log(p + 1e-7)` per element (Keras `poisson`); predictions are rates
 * (>= 0).
 */
export const poisson = /* @__PURE__ */ defineLoss<LossOptions>(
  'poisson',
  (targets, predictions) =>
    tf.sub(predictions, tf.mul(targets, tf.log(tf.add(predictions, KERAS_EPSILON)))),
  { keys: OPTION_KEYS.loss },
);

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
export const cosineSimilarity = /* @__PURE__ */ defineLoss<CosineSimilarityOptions, number>(
  'cosineSimilarity',
  (targets, predictions, { params: ax }) => {
    const normalize = (v: tf.Tensor) =>
      tf.mul(v, tf.rsqrt(tf.maximum(tf.sum(tf.square(v), ax, true), 1e-12)));
    return tf.neg(tf.sum(tf.mul(normalize(targets), normalize(predictions)), ax));
  },
  {
    keys: OPTION_KEYS.cosineSimilarity,
    params: (fn, o, _t, predictions) => {
      const rank = predictions.rank;
      const rule = numberRule({ integer: true, min: -rank, max: rank - 1 });
      const axis = numberOption(fn, 'axis', o.axis, -1, rule);
      return axis < 0 ? axis + rank : axis;
    },
    lossShape: (p, ax) => p.shape.filter((_, i) => i !== ax),
  },
);
