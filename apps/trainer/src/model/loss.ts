import { giouLoss, penaltyReducedFocalLoss } from '@burnin/losses';
import * as tf from '../tf.js';
import type { Detector } from './centernet.js';
import { regToBoxes } from './decode.js';
import type { BatchTargets } from './targets.js';

/** Names of the loss terms, in the order of {@link detectionLoss}'s `terms`. */
export const LOSS_TERMS = ['heatmap', 'box'] as const;

/** Loss weights. */
export interface LossWeights {
  /** Weight of the focal heatmap loss (sum over cells / number of objects). */
  heatmap: number;
  /** Weight of the mean GIoU loss of boxes predicted at object centres. */
  box: number;
}

/**
 * Normalizers of the loss terms. A shard of a batch (data-parallel training) passes the
 * whole batch's: then the shards' losses (and gradients) sum to the full-batch loss.
 */
export interface LossNormalizers {
  /** Divisor of the focal heatmap sum (full batch: `max(1, object count)`). */
  heatmap: number;
  /** Divisor of the GIoU loss sum (full batch: the object count). */
  box: number;
}

/**
 * Total detection loss of a batch: `heatmap * focal / max(1, N) + box * mean GIoU loss`
 * where the GIoU loss is computed between the ground-truth boxes and the boxes decoded at
 * their centre cells. `terms` [2] holds the unweighted (heatmap, box) values; box is 0
 * when the batch has no objects. `norm` replaces the divisors (default: this batch's,
 * `max(1, targets.count)` and `targets.count`).
 */
export function detectionLoss(
  model: Detector,
  images: tf.Tensor4D,
  targets: BatchTargets,
  weights: LossWeights,
  norm?: LossNormalizers,
): { total: tf.Scalar; terms: tf.Tensor1D } {
  return tf.tidy(() => {
    const { heatmap, reg } = model.apply(images);
    const hmTarget = tf.tensor4d(targets.heatmap, targets.shape);
    const n = norm ? norm.heatmap : Math.max(1, targets.count);
    const focal = tf.div(
      penaltyReducedFocalLoss(hmTarget, heatmap, { reduction: tf.Reduction.SUM }),
      n,
    ) as tf.Scalar;
    let box: tf.Scalar = tf.scalar(0);
    if (targets.count > 0) {
      // Gather rows of the flattened [B*H*W, 4] map with a one-hot matMul: GatherNd has no
      // gradient in tfjs and Gather's gradient needs UnsortedSegmentSum, which wasm lacks.
      const [B, H, W] = targets.shape;
      const cellsTotal = B * H * W;
      const onehot = new Float32Array(targets.count * cellsTotal);
      const rc = new Float32Array(targets.count * 2);
      for (let i = 0; i < targets.count; i++) {
        const [b, r, c] = targets.centers.subarray(i * 3, i * 3 + 3);
        onehot[i * cellsTotal + (b * H + r) * W + c] = 1;
        rc[i * 2] = r;
        rc[i * 2 + 1] = c;
      }
      const select = tf.tensor2d(onehot, [targets.count, cellsTotal]);
      const regAt = tf.matMul(select, tf.reshape(reg, [cellsTotal, 4])) as tf.Tensor2D;
      const cells = tf.tensor2d(rc, [targets.count, 2]);
      const pred = regToBoxes(regAt, cells);
      const gt = tf.tensor2d(targets.boxes, [targets.count, 4]);
      const sum = giouLoss(gt, pred, { format: 'xyxy', reduction: tf.Reduction.SUM });
      box = tf.div(sum, norm ? norm.box : targets.count) as tf.Scalar;
    }
    const total = tf.add(tf.mul(focal, weights.heatmap), tf.mul(box, weights.box)) as tf.Scalar;
    return { total, terms: tf.stack([focal, box]) as tf.Tensor1D };
  });
}

/** Stacks samples' HWC images into a [B, S, S, 3] tensor. */
export function imagesToTensor(images: readonly Float32Array[], size: number): tf.Tensor4D {
  const B = images.length;
  const buf = new Float32Array(B * size * size * 3);
  images.forEach((im, i) => {
    buf.set(im, i * size * size * 3);
  });
  return tf.tensor4d(buf, [B, size, size, 3]);
}
