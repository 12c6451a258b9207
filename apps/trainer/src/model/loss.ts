import { giouLoss, penaltyReducedFocalLoss } from '@burnin/losses';
import * as tf from '../tf.js';
import type { Detector } from './centernet.js';
import { regToBoxes } from './decode.js';
import { fusedDetectionLoss } from './fused-loss.js';
import type { BatchTargets } from './targets.js';
import { tensorFromCopy, valuesView } from './tensor-data.js';

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
 *
 * The loss after the forward pass is one op ({@link fusedDetectionLoss}: values and gradient
 * in one pass over the outputs, float64), the same function as
 * {@link composedDetectionLoss} to float32 rounding at a fraction of its cost; `terms` has
 * no gradient.
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
    const n = norm ?? { heatmap: Math.max(1, targets.count), box: targets.count };
    let terms: [number, number] = [0, 0];
    const op = tf.customGrad(((hm: tf.Tensor4D, rg: tf.Tensor4D) => {
      // heap views on wasm: read before any other tfjs call
      const r = fusedDetectionLoss(valuesView(hm), valuesView(rg), targets, weights, n);
      terms = [r.focal, r.box];
      return {
        value: tf.scalar(r.total),
        gradFunc: (dy: tf.Scalar) => [
          tf.mul(tf.tensor4d(r.gradHeatmap, hm.shape), dy),
          tf.mul(tf.tensor4d(r.gradReg, rg.shape), dy),
        ],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    const total = op(heatmap, reg) as tf.Scalar;
    return { total, terms: tf.tensor1d(terms) };
  });
}

/**
 * {@link detectionLoss} composed of tfjs ops: `penaltyReducedFocalLoss` and `giouLoss`
 * (@burnin/losses) on the boxes `regToBoxes` decodes at the object centres. The reference the
 * fused loss is tested against (and what the trainer ran before it).
 */
export function composedDetectionLoss(
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

/** The batch of images staged for {@link imagesToTensor}, reused (grown when too small). */
let staging = new Float32Array(0);
/** Larger batches get a buffer of their own, so that no more than this stays allocated. */
const STAGING_MAX_FLOATS = 4 * 1024 * 1024;

/**
 * Stacks samples' HWC images ([S, S, 3] each) into a [B, S, S, 3] tensor: copied into one
 * reused buffer, then to the backend in one piece (on wasm: one copy into the heap), so that a
 * batch of up to 16 MB makes no JavaScript buffer per step (a larger one gets its own, which is
 * not kept). A RangeError names an image of another size.
 */
export function imagesToTensor(images: readonly Float32Array[], size: number): tf.Tensor4D {
  const px = size * size * 3;
  const total = images.length * px;
  if (staging.length < total && total <= STAGING_MAX_FLOATS) staging = new Float32Array(total);
  const buffer = staging.length >= total ? staging : new Float32Array(total);
  images.forEach((im, i) => {
    if (im.length !== px)
      throw new RangeError(
        `image ${i} of the batch has ${im.length} values, not ${size} x ${size} x 3 = ${px}`,
      );
    buffer.set(im, i * px);
  });
  return tensorFromCopy(buffer.subarray(0, total), [images.length, size, size, 3]) as tf.Tensor4D;
}
