/**
 * The previous (autodiff) formulation of the IoU-family box losses, unreduced, kept as the
 * reference the closed-form gradients of src/box-losses.ts are tested against: plain tfjs ops on
 * the corners from `toCorners`, differentiated by `tf.grad`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BoxFormat, type Corners, toCorners } from '../src/box-format.js';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/** Identity whose gradient is zero (`stop_gradient` / `torch.no_grad`). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as CustomGradientFunc);

/**
 * `atan(w / h)` (the CIoU aspect angle) that stays finite for degenerate boxes: the value uses
 * `max(h, eps)`, the gradient `(h, -w) / (w^2 + h^2 + eps)` (0 for a zero-size box instead of
 * NaN).
 */
function aspectAngle(w: tf.Tensor, h: tf.Tensor, eps: number): tf.Tensor {
  const f = tf.customGrad(((ww: tf.Tensor, hh: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ww, hh]);
    return {
      value: tf.atan(tf.div(ww, tf.maximum(hh, eps))),
      gradFunc: (dy: tf.Tensor, [sw, sh]: tf.Tensor[]) => {
        const scale = tf.div(dy, tf.add(tf.add(tf.square(sw), tf.square(sh)), eps));
        return [tf.mul(scale, sh), tf.neg(tf.mul(scale, sw))];
      },
    };
  }) as unknown as CustomGradientFunc);
  return f(w, h);
}

interface Pair {
  p: Corners;
  t: Corners;
}

/** Intersection, union and IoU exactly as torchvision's `_loss_inter_union` (+ eps). */
function iouTerms({ p, t }: Pair, eps: number) {
  const iw = tf.relu(tf.sub(tf.minimum(p.x2, t.x2), tf.maximum(p.x1, t.x1)));
  const ih = tf.relu(tf.sub(tf.minimum(p.y2, t.y2), tf.maximum(p.y1, t.y1)));
  const inter = tf.mul(iw, ih);
  const areaP = tf.mul(tf.sub(p.x2, p.x1), tf.sub(p.y2, p.y1));
  const areaT = tf.mul(tf.sub(t.x2, t.x1), tf.sub(t.y2, t.y1));
  const union = tf.sub(tf.add(areaP, areaT), inter);
  const iou = tf.div(inter, tf.add(union, eps));
  return { iou, union };
}

/** Width and height of the smallest box enclosing both. */
function enclosing({ p, t }: Pair) {
  const cw = tf.sub(tf.maximum(p.x2, t.x2), tf.minimum(p.x1, t.x1));
  const ch = tf.sub(tf.maximum(p.y2, t.y2), tf.minimum(p.y1, t.y1));
  return { cw, ch };
}

/** DIoU loss and IoU as torchvision's `_diou_iou_loss`. */
function diouTerms(pair: Pair, eps: number) {
  const { iou } = iouTerms(pair, eps);
  const { cw, ch } = enclosing(pair);
  const diag = tf.add(tf.add(tf.square(cw), tf.square(ch)), eps);
  const { p, t } = pair;
  // centre distance: ((x1 + x2) - (x1g + x2g)) / 2
  const dx = tf.mul(tf.sub(tf.add(p.x1, p.x2), tf.add(t.x1, t.x2)), 0.5);
  const dy = tf.mul(tf.sub(tf.add(p.y1, p.y2), tf.add(t.y1, t.y2)), 0.5);
  const dist = tf.add(tf.square(dx), tf.square(dy));
  return { loss: tf.add(tf.sub(1, iou), tf.div(dist, diag)), iou };
}

export type Kind = 'iou' | 'giou' | 'diou' | 'ciou';

export function autodiffBoxLoss(
  kind: Kind,
  targets: tf.Tensor,
  predictions: tf.Tensor,
  format: BoxFormat = 'xyxy',
  eps = 1e-7,
): tf.Tensor {
  return tf.tidy(() => {
    const pair = { p: toCorners(predictions, format), t: toCorners(targets, format) };
    if (kind === 'iou') return tf.sub(1, iouTerms(pair, eps).iou);
    if (kind === 'giou') {
      const { iou, union } = iouTerms(pair, eps);
      const { cw, ch } = enclosing(pair);
      const areaC = tf.mul(cw, ch);
      return tf.add(tf.sub(1, iou), tf.div(tf.sub(areaC, union), tf.add(areaC, eps)));
    }
    const { loss, iou } = diouTerms(pair, eps);
    if (kind === 'diou') return loss;
    const { p, t } = pair;
    const angleT = aspectAngle(tf.sub(t.x2, t.x1), tf.sub(t.y2, t.y1), eps);
    const angleP = aspectAngle(tf.sub(p.x2, p.x1), tf.sub(p.y2, p.y1), eps);
    const v = tf.mul(tf.square(tf.sub(angleT, angleP)), 4 / (Math.PI * Math.PI));
    const alpha = stopGradient(tf.div(v, tf.add(tf.add(tf.sub(1, iou), v), eps)));
    return tf.add(loss, tf.mul(alpha, v));
  });
}
