import * as tf from '@tensorflow/tfjs-core';
import { type BoxFormat, checkBoxShape, resolveFormat, toCorners } from './box-format.js';
import { LossShapeError } from './errors.js';
import { checkOptions, OPTION_KEYS } from './options.js';
import { checkFloat } from './reduction.js';

/** Options of the pairwise IoU matrices. */
export interface BoxIouOptions {
  /** Coordinate layout of both box tensors (default `'xyxy'`). */
  format?: BoxFormat;
}

/**
 * `a / b` where `b > 0`, else 0; differentiable (tf.divNoNan has no gradient in tfjs because
 * `Equal` has none; `GreaterEqual` does).
 */
function divOrZero(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const empty = tf.greaterEqual(0, b);
  const safe = tf.where(empty, tf.onesLike(b), b);
  return tf.where(empty, tf.zerosLike(a), tf.div(a, safe));
}

function pairwise(fn: string, a: tf.Tensor, b: tf.Tensor, options: BoxIouOptions, giou: boolean) {
  checkFloat(fn, 'a', a);
  checkFloat(fn, 'b', b);
  checkBoxShape(fn, 'a', a);
  checkBoxShape(fn, 'b', b);
  if (a.rank !== 2) throw new LossShapeError(fn, 'a', a.shape, '[N, 4]');
  if (b.rank !== 2) throw new LossShapeError(fn, 'b', b.shape, '[M, 4]');
  const format = resolveFormat(fn, options.format);
  return tf.tidy(() => {
    const shape: [number, number] = [a.shape[0], b.shape[0]];
    // Broadcast explicitly: tfjs' Maximum/Minimum gradients do not reduce broadcast inputs.
    const full = (c: ReturnType<typeof toCorners>) => ({
      x1: tf.broadcastTo(c.x1, shape),
      y1: tf.broadcastTo(c.y1, shape),
      x2: tf.broadcastTo(c.x2, shape),
      y2: tf.broadcastTo(c.y2, shape),
    });
    const p = full(toCorners(tf.expandDims(a, 1), format)); // [N, M]
    const q = full(toCorners(tf.expandDims(b, 0), format)); // [N, M]
    const areaA = tf.mul(tf.sub(p.x2, p.x1), tf.sub(p.y2, p.y1));
    const areaB = tf.mul(tf.sub(q.x2, q.x1), tf.sub(q.y2, q.y1));
    const iw = tf.relu(tf.sub(tf.minimum(p.x2, q.x2), tf.maximum(p.x1, q.x1)));
    const ih = tf.relu(tf.sub(tf.minimum(p.y2, q.y2), tf.maximum(p.y1, q.y1)));
    const inter = tf.mul(iw, ih);
    const union = tf.sub(tf.add(areaA, areaB), inter);
    const iou = divOrZero(inter, union);
    if (!giou) return iou;
    const cw = tf.relu(tf.sub(tf.maximum(p.x2, q.x2), tf.minimum(p.x1, q.x1)));
    const ch = tf.relu(tf.sub(tf.maximum(p.y2, q.y2), tf.minimum(p.y1, q.y1)));
    const areaC = tf.mul(cw, ch);
    return tf.sub(iou, divOrZero(tf.sub(areaC, union), areaC));
  });
}

/**
 * Pairwise IoU matrix (torchvision `box_iou`): boxes `a` `[N, 4]` and `b` `[M, 4]` give `[N, M]`.
 * Pairs whose union is 0 (two zero-area boxes) get 0 instead of NaN. Differentiable.
 *
 * @example boxIou(anchors, gtBoxes) // [numAnchors, numGt], for matchers
 */
export function boxIou(a: tf.Tensor, b: tf.Tensor, options: BoxIouOptions = {}): tf.Tensor2D {
  options = checkOptions('boxIou', options, OPTION_KEYS.boxIou);
  return pairwise('boxIou', a, b, options, false) as tf.Tensor2D;
}

/**
 * Pairwise generalized IoU matrix (torchvision `generalized_box_iou`), `[N, 4] x [M, 4] ->
 * [N, M]`, in [-1, 1]. Where a term's denominator is 0 it contributes 0 (no NaN).
 */
export function generalizedBoxIou(
  a: tf.Tensor,
  b: tf.Tensor,
  options: BoxIouOptions = {},
): tf.Tensor2D {
  options = checkOptions('generalizedBoxIou', options, OPTION_KEYS.boxIou);
  return pairwise('generalizedBoxIou', a, b, options, true) as tf.Tensor2D;
}
