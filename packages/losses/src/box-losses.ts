import * as tf from '@tensorflow/tfjs-core';
import {
  type BoxFormat,
  type Corners,
  checkBoxShape,
  resolveFormat,
  toCorners,
} from './box-format.js';
import { LossOptionError, LossShapeError } from './errors.js';
import {
  type CustomGradientFunc,
  checkFloat,
  type LossOptions,
  reduceLoss,
  resolveReduction,
  resolveWeights,
} from './reduction.js';

/** Options of the IoU-family box losses. */
export interface BoxLossOptions extends LossOptions {
  /** Coordinate layout of both box tensors (default `'xyxy'`). */
  format?: BoxFormat;
  /** Added to denominators as torchvision does (default 1e-7, > 0; in squared box units). */
  eps?: number;
}

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

type Kind = 'iou' | 'giou' | 'diou' | 'ciou';

function boxLoss(
  fn: string,
  kind: Kind,
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BoxLossOptions,
): tf.Tensor {
  checkFloat(fn, 'targets', targets);
  checkFloat(fn, 'predictions', predictions);
  checkBoxShape(fn, 'predictions', predictions);
  if (!tf.util.arraysEqual(targets.shape, predictions.shape)) {
    throw new LossShapeError(
      fn,
      'targets',
      targets.shape,
      `the shape of predictions [${predictions.shape.join(', ')}]`,
    );
  }
  const format = resolveFormat(fn, options.format);
  const eps = options.eps ?? 1e-7;
  if (!(Number.isFinite(eps) && eps > 0)) {
    throw new LossOptionError(fn, 'eps', eps, 'a finite number > 0');
  }
  const reduction = resolveReduction(fn, options.reduction);
  const lossShape = predictions.shape.slice(0, -1);
  return tf.tidy(() => {
    const weights = resolveWeights(fn, options.weights, lossShape);
    const pair = { p: toCorners(predictions, format), t: toCorners(targets, format) };
    let loss: tf.Tensor;
    if (kind === 'iou') {
      loss = tf.sub(1, iouTerms(pair, eps).iou);
    } else if (kind === 'giou') {
      const { iou, union } = iouTerms(pair, eps);
      const { cw, ch } = enclosing(pair);
      const areaC = tf.mul(cw, ch);
      loss = tf.add(tf.sub(1, iou), tf.div(tf.sub(areaC, union), tf.add(areaC, eps)));
    } else {
      const { loss: diou, iou } = diouTerms(pair, eps);
      loss = diou;
      if (kind === 'ciou') {
        const { p, t } = pair;
        const angleT = aspectAngle(tf.sub(t.x2, t.x1), tf.sub(t.y2, t.y1), eps);
        const angleP = aspectAngle(tf.sub(p.x2, p.x1), tf.sub(p.y2, p.y1), eps);
        const v = tf.mul(tf.square(tf.sub(angleT, angleP)), 4 / (Math.PI * Math.PI));
        const alpha = stopGradient(tf.div(v, tf.add(tf.add(tf.sub(1, iou), v), eps)));
        loss = tf.add(loss, tf.mul(alpha, v));
      }
    }
    return reduceLoss(loss, weights, reduction);
  });
}

/**
 * IoU loss `1 - IoU` per box pair, `IoU = inter / (union + eps)`. Boxes `[..., 4]`; unreduced
 * shape `[...]`. Zero-area or disjoint boxes give loss 1 and a finite gradient.
 */
export function iouLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BoxLossOptions = {},
): tf.Tensor {
  return boxLoss('iouLoss', 'iou', targets, predictions, options);
}

/**
 * Generalized IoU loss (torchvision `generalized_box_iou_loss`):
 * `1 - IoU + (C - union) / (C + eps)` with `C` the area of the smallest enclosing box. In [0, 2).
 */
export function giouLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BoxLossOptions = {},
): tf.Tensor {
  return boxLoss('giouLoss', 'giou', targets, predictions, options);
}

/**
 * Distance IoU loss (torchvision `distance_box_iou_loss`): `1 - IoU + d^2 / (c^2 + eps)` with `d`
 * the distance between box centres and `c` the diagonal of the enclosing box.
 */
export function diouLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BoxLossOptions = {},
): tf.Tensor {
  return boxLoss('diouLoss', 'diou', targets, predictions, options);
}

/**
 * Complete IoU loss (torchvision `complete_box_iou_loss`): DIoU loss `+ alpha v` with
 * `v = 4 / pi^2 (atan(wt / ht) - atan(wp / hp))^2` and `alpha = v / (1 - IoU + v + eps)` treated
 * as a constant in the gradient (as torchvision computes it under `no_grad`). For zero-height or
 * zero-size boxes, where torchvision returns NaN, the aspect angle uses `max(h, eps)` and a
 * finite gradient.
 */
export function ciouLoss(
  targets: tf.Tensor,
  predictions: tf.Tensor,
  options: BoxLossOptions = {},
): tf.Tensor {
  return boxLoss('ciouLoss', 'ciou', targets, predictions, options);
}
