import * as tf from '@tensorflow/tfjs-core';
import { LossOptionError, LossShapeError } from './errors.js';

/**
 * Box coordinate layouts along the last axis (units are whatever the caller uses, pixels or
 * normalised):
 * - `'xyxy'`: `[x1, y1, x2, y2]` (torchvision, default)
 * - `'yxyx'`: `[y1, x1, y2, x2]` (TF Object Detection API)
 * - `'xywh'`: `[x1, y1, width, height]` (COCO)
 * - `'cxcywh'`: `[centre x, centre y, width, height]` (DETR, YOLO)
 */
export type BoxFormat = 'xyxy' | 'yxyx' | 'xywh' | 'cxcywh';

const FORMATS: readonly BoxFormat[] = ['xyxy', 'yxyx', 'xywh', 'cxcywh'];

/** Validates `options.format` (default `'xyxy'`). */
export function resolveFormat(fn: string, format: BoxFormat | undefined): BoxFormat {
  const f = format ?? 'xyxy';
  if (!FORMATS.includes(f)) {
    throw new LossOptionError(fn, 'format', f, "one of 'xyxy', 'yxyx', 'xywh', 'cxcywh'");
  }
  return f;
}

/** Throws unless the last axis has size 4. */
export function checkBoxShape(fn: string, field: string, boxes: tf.Tensor): void {
  if (boxes.rank < 1 || boxes.shape[boxes.rank - 1] !== 4) {
    throw new LossShapeError(fn, field, boxes.shape, 'a last axis of size 4 ([..., 4])');
  }
}

/** Corners `x1, y1, x2, y2` of boxes `[..., 4]`, each of shape `[...]`. */
export interface Corners {
  x1: tf.Tensor;
  y1: tf.Tensor;
  x2: tf.Tensor;
  y2: tf.Tensor;
}

/** Splits boxes `[..., 4]` in `format` into corner tensors of shape `[...]` (differentiable). */
export function toCorners(boxes: tf.Tensor, format: BoxFormat): Corners {
  const [a, b, c, d] = tf.unstack(boxes, boxes.rank - 1);
  switch (format) {
    case 'xyxy':
      return { x1: a, y1: b, x2: c, y2: d };
    case 'yxyx':
      return { x1: b, y1: a, x2: d, y2: c };
    case 'xywh':
      return { x1: a, y1: b, x2: tf.add(a, c), y2: tf.add(b, d) };
    case 'cxcywh': {
      const hw = tf.mul(c, 0.5);
      const hh = tf.mul(d, 0.5);
      return { x1: tf.sub(a, hw), y1: tf.sub(b, hh), x2: tf.add(a, hw), y2: tf.add(b, hh) };
    }
  }
}

/** Converts boxes `[..., 4]` between formats. */
export function convertBoxes(boxes: tf.Tensor, from: BoxFormat, to: BoxFormat): tf.Tensor {
  const fn = 'convertBoxes';
  checkBoxShape(fn, 'boxes', boxes);
  const f = resolveFormat(fn, from);
  const t = resolveFormat(fn, to);
  return tf.tidy(() => {
    if (f === t) return boxes.clone();
    const { x1, y1, x2, y2 } = toCorners(boxes, f);
    const axis = boxes.rank - 1;
    switch (t) {
      case 'xyxy':
        return tf.stack([x1, y1, x2, y2], axis);
      case 'yxyx':
        return tf.stack([y1, x1, y2, x2], axis);
      case 'xywh':
        return tf.stack([x1, y1, tf.sub(x2, x1), tf.sub(y2, y1)], axis);
      case 'cxcywh':
        return tf.stack(
          [
            tf.mul(tf.add(x1, x2), 0.5),
            tf.mul(tf.add(y1, y2), 0.5),
            tf.sub(x2, x1),
            tf.sub(y2, y1),
          ],
          axis,
        );
    }
  });
}
