import { NON_NEGATIVE, numberRule, UNIT_INTERVAL } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { sigmoidCrossEntropyElementwise } from './classification.js';
import { defineLoss, type LogitsLoss } from './define-loss.js';
import { numberOption, OPTION_KEYS } from './options.js';
import type { LossOptions } from './reduction.js';
import { KERAS_EPSILON } from './regression.js';

/** torchvision's focal `alpha`: at most 1; a negative value disables the weighting. */
const FOCAL_ALPHA = {
  ...numberRule({ max: 1 }),
  text: 'a finite number <= 1 (negative or null disables)',
};

/** `sigmoidClip`: in [0, 0.5) (0: no clipping). */
const SIGMOID_CLIP = numberRule({ min: 0, max: 0.5, maxOpen: true });

/** Options of `sigmoidFocalLoss`. */
export interface SigmoidFocalOptions extends LossOptions {
  /**
   * Weight of the positive class, in [0, 1] (default 0.25); negatives get `1 - alpha`.
   * `null` or a negative value disables the alpha weighting (torchvision's `alpha = -1`).
   */
  alpha?: number | null;
  /** Focusing exponent, >= 0 (default 2; 0 gives (alpha-weighted) cross-entropy). */
  gamma?: number;
}

/**
 * Sigmoid focal loss per element (RetinaNet; torchvision `sigmoid_focal_loss`):
 * `alpha_t * ce(x, t) * (1 - p_t)^gamma` with `p = sigmoid(x)`, `p_t = p t + (1 - p)(1 - t)`,
 * `alpha_t = alpha t + (1 - alpha)(1 - t)`. Targets may be soft (in [0, 1]).
 *
 * **Argument order: `(targets, logits)`, the reverse of torchvision's
 * `sigmoid_focal_loss(inputs, targets)`.** Swapped arguments are not detected (that would need
 * reading tensor values) and give a different, wrong number.
 *
 * Computed stably: `1 - p_t = t sigmoid(-x) + (1 - t) sigmoid(x)` (no cancellation for confident
 * logits), cross-entropy as in `sigmoidCrossEntropy`, and a closed-form gradient
 * `alpha_t (1 - p_t)^gamma [(p - t) + gamma ce (1 - 2t) p (1 - p) / (1 - p_t)]` in which the ratio
 * is bounded by 1, so values and gradients are finite for any logit (|x| = 100 included) and any
 * `gamma >= 0` (also `gamma < 1`, where autodiff of `pow` would give NaN).
 *
 * torchvision sums or averages this over all elements; RetinaNet divides the sum by the number
 * of positive anchors: use `reduction: tf.Reduction.SUM` and divide.
 */
export const sigmoidFocalLoss: LogitsLoss<SigmoidFocalOptions> = /* @__PURE__ */ defineLoss<
  SigmoidFocalOptions,
  { alpha: number | null; gamma: number }
>(
  'sigmoidFocalLoss',
  (targets, _x, { params: { alpha, gamma } }) => {
    const focal = (m: tf.Tensor) =>
      gamma === 0 ? null : gamma === 1 ? m : gamma === 2 ? tf.square(m) : tf.pow(m, gamma);
    // alpha_t = (1 - alpha) + (2 alpha - 1) t
    const alphaT = alpha === null ? null : tf.add(tf.mul(targets, 2 * alpha - 1), 1 - alpha);
    const oneMinusT = tf.sub(1, targets);
    // gamma (1 - 2t), a constant of the gradient
    const c1 = gamma === 0 ? null : tf.mul(tf.sub(1, tf.mul(targets, 2)), gamma);
    return {
      forward: (x) => {
        const p = tf.sigmoid(x);
        const q = tf.sigmoid(tf.neg(x));
        const m = tf.add(tf.mul(targets, q), tf.mul(oneMinusT, p));
        const ce = sigmoidCrossEntropyElementwise(targets, x);
        const mg = focal(m);
        let loss = mg === null ? ce : tf.mul(ce, mg);
        if (alphaT !== null) loss = tf.mul(loss, alphaT);
        // saved for the gradient: p, q, m, ce, m^gamma (and alpha_t)
        const keep = mg === null ? [targets, p] : [targets, p, q, m, ce, mg, c1 as tf.Tensor];
        return { loss, saved: alphaT === null ? keep : [alphaT, ...keep] };
      },
      backward: (_x, saved, g) => {
        const [aT, t, p, q, m, ce, mg, k]: (tf.Tensor | undefined)[] =
          alphaT === null ? [undefined, ...saved] : saved;
        let inner = tf.sub(p as tf.Tensor, t as tf.Tensor);
        if (mg !== undefined && p && q && m && ce && k) {
          // p (1 - p) / (1 - p_t) <= 1; where 1 - p_t underflows to 0 so does p (1 - p).
          const ratio = tf.div(tf.mul(p, q), tf.add(m, 1e-30));
          inner = tf.mul(tf.add(inner, tf.mul(tf.mul(ce, ratio), k)), mg);
        }
        const scale = aT === undefined ? g : tf.mul(aT, g);
        return tf.mul(inner, scale);
      },
    };
  },
  {
    keys: OPTION_KEYS.sigmoidFocal,
    input: 'logits',
    params: (fn, o) => {
      const a = o.alpha === null ? null : numberOption(fn, 'alpha', o.alpha, 0.25, FOCAL_ALPHA);
      const gamma = numberOption(fn, 'gamma', o.gamma, 2, NON_NEGATIVE);
      return { alpha: a === null || a < 0 ? null : a, gamma };
    },
  },
);

/** Options of `penaltyReducedFocalLoss`. */
export interface PenaltyReducedFocalOptions extends LossOptions {
  /** Focusing exponent on the prediction, >= 0 (default 2). */
  alpha?: number;
  /** Exponent of the penalty reduction `(1 - t)^beta` for negatives, >= 0 (default 4). */
  beta?: number;
  /**
   * If > 0, clip `sigmoid(x)` to `[c, 1 - c]` like TF OD API (`sigmoid_clip_value`, 1e-4 there),
   * done by clipping the logits (zero gradient outside). Default 0: no clipping, exact log-sigmoid.
   */
  sigmoidClip?: number;
}

/**
 * Penalty-reduced pixel-wise logistic focal loss on heatmap LOGITS (CenterNet, "Objects as
 * Points"; TF OD API `PenaltyReducedLogisticFocalLoss`), per element:
 * - where `t == 1` (object centre): `-(1 - p)^alpha log(p)`
 * - elsewhere: `-(1 - t)^beta p^alpha log(1 - p)`
 * with `p = sigmoid(x)`. `log p` and `log(1 - p)` are log-sigmoids and the gradient is closed
 * form, so values and gradients are finite for any logit. CenterNet normalises the sum by the
 * number of objects: use `reduction: tf.Reduction.SUM` and divide by `max(numObjects, 1)`.
 */
export const penaltyReducedFocalLoss: LogitsLoss<PenaltyReducedFocalOptions> =
  /* @__PURE__ */ defineLoss<
    PenaltyReducedFocalOptions,
    { alpha: number; beta: number; clip: number }
  >(
    'penaltyReducedFocalLoss',
    (targets, _x, { params: { alpha, beta, clip } }) => {
      const pow = (v: tf.Tensor, e: number) =>
        e === 0 ? tf.onesLike(v) : e === 1 ? v : e === 2 ? tf.square(v) : tf.pow(v, e);
      const isPos = tf.equal(targets, 1);
      // (1 - t)^beta (only used where t != 1).
      const negWeight = pow(tf.sub(1, targets), beta);
      const limit = clip > 0 ? Math.log((1 - clip) / clip) : 0;
      const clipX = (x: tf.Tensor) => (clip > 0 ? tf.clipByValue(x, -limit, limit) : x);
      return {
        forward: (x0) => {
          const x = clipX(x0);
          const nx = tf.neg(x);
          const p = tf.sigmoid(x);
          const q = tf.sigmoid(nx);
          const spNeg = tf.softplus(nx); // -log(p)
          const spPos = tf.softplus(x); // -log(1 - p)
          const qa = pow(q, alpha);
          const pa = pow(p, alpha);
          // select, not multiply by a mask: the unused branch may be inf for infinite logits
          const loss = tf.where(isPos, tf.mul(qa, spNeg), tf.mul(tf.mul(negWeight, pa), spPos));
          return { loss, saved: [isPos, negWeight, p, q, spNeg, spPos, qa, pa] };
        },
        backward: (x0, [pos, nw, p, q, spNeg, spPos, qa, pa], g) => {
          // d/dx of q^a (-log p) = -q^a (a p (-log p) + q); of p^a (-log q) = p^a (p + a q (-log q))
          const dPos = tf.neg(tf.mul(qa, tf.add(tf.mul(tf.mul(p, spNeg), alpha), q)));
          const dNeg = tf.mul(tf.mul(pa, tf.add(p, tf.mul(tf.mul(q, spPos), alpha))), nw);
          let d = tf.where(pos, dPos, dNeg);
          if (clip > 0) {
            d = tf.mul(d, tf.cast(tf.lessEqual(tf.abs(x0), limit), 'float32'));
          }
          return tf.mul(d, g);
        },
      };
    },
    {
      keys: OPTION_KEYS.penaltyReducedFocal,
      input: 'logits',
      params: (fn, o) => ({
        alpha: numberOption(fn, 'alpha', o.alpha, 2, NON_NEGATIVE),
        beta: numberOption(fn, 'beta', o.beta, 4, NON_NEGATIVE),
        clip: numberOption(fn, 'sigmoidClip', o.sigmoidClip, 0, SIGMOID_CLIP),
      }),
    },
  );

/** Options of `binaryFocalCrossentropy` (Keras `binary_focal_crossentropy`). */
export interface BinaryFocalCrossentropyOptions extends LossOptions {
  /** Weight positives by `alpha` and negatives by `1 - alpha` (default false). */
  applyClassBalancing?: boolean;
  /** In [0, 1], default 0.25; used only with `applyClassBalancing`. */
  alpha?: number;
  /** >= 0, default 2. */
  gamma?: number;
  /** Predictions are logits (default false: probabilities). */
  fromLogits?: boolean;
  /** In [0, 1], default 0: targets become `t (1 - s) + s / 2`. */
  labelSmoothing?: number;
}

/**
 * Keras `binary_focal_crossentropy` per element: `(1 - p_t)^gamma * bce`, times
 * `alpha t + (1 - alpha)(1 - t)` with `applyClassBalancing`. `bce` is Keras' clipped binary
 * cross-entropy (or the stable logit form with `fromLogits`); `p_t` uses the unclipped
 * probability. `(1 - p_t)` is floored at 1e-30 inside the power so that the gradient stays
 * finite for `gamma < 1`.
 */
export const binaryFocalCrossentropy = /* @__PURE__ */ defineLoss<
  BinaryFocalCrossentropyOptions,
  { alpha: number; gamma: number; s: number; fromLogits: boolean; balance: boolean }
>(
  'binaryFocalCrossentropy',
  (targets, predictions, { params: { alpha, gamma, s, fromLogits, balance } }) => {
    const t = s > 0 ? tf.add(tf.mul(targets, 1 - s), 0.5 * s) : targets;
    let bce: tf.Tensor;
    let p: tf.Tensor;
    if (fromLogits) {
      bce = sigmoidCrossEntropyElementwise(t, predictions);
      p = tf.sigmoid(predictions);
    } else {
      const pc = tf.clipByValue(predictions, KERAS_EPSILON, 1 - KERAS_EPSILON);
      bce = tf.neg(tf.add(tf.mul(t, tf.log(pc)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, pc)))));
      p = predictions;
    }
    // 1 - p_t = p + t - 2 p t
    const m = tf.sub(tf.add(p, t), tf.mul(tf.mul(p, t), 2));
    let loss = gamma === 0 ? bce : tf.mul(tf.pow(tf.maximum(m, 1e-30), gamma), bce);
    if (balance) loss = tf.mul(loss, tf.add(tf.mul(t, 2 * alpha - 1), 1 - alpha));
    return loss;
  },
  {
    keys: OPTION_KEYS.binaryFocal,
    params: (fn, o) => ({
      alpha: numberOption(fn, 'alpha', o.alpha, 0.25, UNIT_INTERVAL),
      s: numberOption(fn, 'labelSmoothing', o.labelSmoothing, 0, UNIT_INTERVAL),
      gamma: numberOption(fn, 'gamma', o.gamma, 2, NON_NEGATIVE),
      fromLogits: Boolean(o.fromLogits),
      balance: Boolean(o.applyClassBalancing),
    }),
  },
);
