/**
 * The detection loss and its gradient in one pass over the detector's outputs, in float64
 * JavaScript: the same function as the composition of `penaltyReducedFocalLoss` and
 * `giouLoss` (@burnin/losses) with `regToBoxes` in {@link composedDetectionLoss}, which runs
 * about 340 small tfjs kernels per step (forward and backward) for a few thousand heatmap
 * cells and a few dozen boxes. Here the outputs are read once, and the gradient is written
 * as two tensors. Values agree with the composition to float32 rounding (tested); ties in
 * the box losses' min / max / relu / clip follow tfjs' subgradient conventions as the
 * composition's closed-form gradient does.
 */
import { OUTPUT_STRIDE, SIZE_UNIT } from './geometry.js';
import type { BatchTargets } from './targets.js';

/** CenterNet's focal exponents (`penaltyReducedFocalLoss` defaults): alpha 2, beta 4. */
const BETA = 4;
/** `giouLoss`'s default eps (added to the union and the enclosing area). */
const GIOU_EPS = 1e-7;
/** Clamp bound of raw size logits (as decode's SIZE_LOGIT_LIMIT). */
const SIZE_LIMIT = 6;

/** Loss values and gradients (w.r.t. heatmap logits and raw regression) of a batch. */
export interface FusedLossResult {
  /** Unweighted focal sum / heatmap normalizer. */
  focal: number;
  /** Unweighted GIoU sum / box normalizer (0 without objects). */
  box: number;
  /** `heatmapWeight * focal + boxWeight * box`. */
  total: number;
  /** d total / d heatmap logits, [B, H, W, C]. */
  gradHeatmap: Float32Array;
  /** d total / d reg, [B, H, W, 4] (non-zero only at object centre cells). */
  gradReg: Float32Array;
}

/** Stable logistic sigmoid. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Focal heatmap sum and its gradient (written, times `scale`, into `grad`): per cell with
 * target t and logit x, `p = sigmoid(x)`: `(1 - p)^2 (-log p)` where t == 1, else
 * `(1 - t)^4 p^2 (-log(1 - p))`. A NaN logit gives NaN (value and gradient); an infinite one
 * an infinite loss where it is wrong.
 */
function focalSum(
  logits: Float32Array,
  target: Float32Array,
  scale: number,
  grad: Float32Array,
): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    const t = target[i];
    // one exp and one log1p: e = exp(-|x|), p = sigmoid(x), q = sigmoid(-x) = 1 - p,
    // softplus(x) = max(x, 0) + log1p(e) = -log(1 - p), softplus(-x) = -log p
    const e = Math.exp(-Math.abs(x));
    const r = 1 / (1 + e);
    const l = Math.log1p(e);
    const p = x >= 0 ? r : e * r;
    const q = x >= 0 ? e * r : r;
    if (t === 1) {
      const spNeg = x >= 0 ? l : l - x;
      sum += q * q * spNeg;
      grad[i] = -q * q * (2 * p * spNeg + q) * scale;
    } else {
      const spPos = x >= 0 ? x + l : l;
      const w = (1 - t) ** BETA;
      sum += w * p * p * spPos;
      grad[i] = w * p * p * (p + 2 * q * spPos) * scale;
    }
  }
  return sum;
}

/**
 * GIoU loss `1 - IoU + (C - U) / (C + eps)` (torchvision's `generalized_box_iou_loss`, eps
 * 1e-7) of one predicted box `(x1, y1, x2, y2)` against the target `t[k .. k + 3]` (x1, y1,
 * x2, y2), in float64, with its gradient w.r.t. the four predicted corners (written into `g`).
 */
export function giouWithGradient(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  t: ArrayLike<number>,
  k: number,
  g: Float64Array,
): number {
  const tx1 = t[k];
  const ty1 = t[k + 1];
  const tx2 = t[k + 2];
  const ty2 = t[k + 3];
  const w = x2 - x1;
  const h = y2 - y1;
  const areaT = (tx2 - tx1) * (ty2 - ty1);
  const iwRaw = Math.min(x2, tx2) - Math.max(x1, tx1);
  const ihRaw = Math.min(y2, ty2) - Math.max(y1, ty1);
  const iw = Math.max(iwRaw, 0);
  const ih = Math.max(ihRaw, 0);
  const inter = iw * ih;
  const unionEps = w * h + areaT - inter + GIOU_EPS;
  const iou = inter / unionEps;
  const cw = Math.max(x2, tx2) - Math.min(x1, tx1);
  const ch = Math.max(y2, ty2) - Math.min(y1, ty1);
  const areaCEps = cw * ch + GIOU_EPS;
  const loss = 1 - iou + (areaCEps - unionEps) / areaCEps;
  // d loss / d inter, d loss / d (w h) and d loss / d C
  const gInter = -(iou + 1) / unionEps + 1 / areaCEps;
  const gArea = iou / unionEps - 1 / areaCEps;
  const gC = unionEps / (areaCEps * areaCEps);
  const gw = gArea * h;
  const gh = gArea * w;
  const giw = iwRaw > 0 ? gInter * ih : 0;
  const gih = ihRaw > 0 ? gInter * iw : 0;
  const gcw = gC * ch;
  const gch = gC * cw;
  g[0] = -((x1 >= tx1 ? giw : 0) + gw + (x1 <= tx1 ? gcw : 0));
  g[1] = -((y1 >= ty1 ? gih : 0) + gh + (y1 <= ty1 ? gch : 0));
  g[2] = (x2 <= tx2 ? giw : 0) + gw + (x2 >= tx2 ? gcw : 0);
  g[3] = (y2 <= ty2 ? gih : 0) + gh + (y2 >= ty2 ? gch : 0);
  return loss;
}

/**
 * The detection loss of a batch from the detector's outputs (`heatmap` logits [B, H, W, C],
 * `reg` [B, H, W, 4], flat NHWC) and its targets: `heatmapWeight * focal / heatmapNorm +
 * boxWeight * sum GIoU / boxNorm`, where each object's box is decoded from `reg` at its
 * centre cell (`regToBoxes`). The box term is 0 when there are no objects.
 */
export function fusedDetectionLoss(
  heatmap: Float32Array,
  reg: Float32Array,
  targets: BatchTargets,
  weights: { heatmap: number; box: number },
  norm: { heatmap: number; box: number },
): FusedLossResult {
  const gradHeatmap = new Float32Array(heatmap.length);
  const gradReg = new Float32Array(reg.length);
  const focal = focalSum(heatmap, targets.heatmap, weights.heatmap / norm.heatmap, gradHeatmap);
  let boxSum = 0;
  if (targets.count > 0) {
    const [, H, W] = targets.shape;
    const scale = weights.box / norm.box;
    const g = new Float64Array(4);
    for (let i = 0; i < targets.count; i++) {
      const b = targets.centers[i * 3];
      const row = targets.centers[i * 3 + 1];
      const col = targets.centers[i * 3 + 2];
      const o = ((b * H + row) * W + col) * 4;
      const lw = reg[o];
      const lh = reg[o + 1];
      const w = Math.exp(Math.min(Math.max(lw, -SIZE_LIMIT), SIZE_LIMIT)) * SIZE_UNIT;
      const h = Math.exp(Math.min(Math.max(lh, -SIZE_LIMIT), SIZE_LIMIT)) * SIZE_UNIT;
      const sx = sigmoid(reg[o + 2]);
      const sy = sigmoid(reg[o + 3]);
      const cx = (col + sx) * OUTPUT_STRIDE;
      const cy = (row + sy) * OUTPUT_STRIDE;
      boxSum += giouWithGradient(
        cx - w / 2,
        cy - h / 2,
        cx + w / 2,
        cy + h / 2,
        targets.boxes,
        i * 4,
        g,
      );
      // through x1 = cx - w/2, x2 = cx + w/2 (w = exp(clip(lw)) U) and cx = (col + sigmoid(ox)) S;
      // clipByValue passes the gradient where lw is within its bounds (inclusive)
      const inW = lw >= -SIZE_LIMIT && lw <= SIZE_LIMIT ? 1 : 0;
      const inH = lh >= -SIZE_LIMIT && lh <= SIZE_LIMIT ? 1 : 0;
      gradReg[o] += ((g[2] - g[0]) / 2) * w * inW * scale;
      gradReg[o + 1] += ((g[3] - g[1]) / 2) * h * inH * scale;
      gradReg[o + 2] += (g[0] + g[2]) * OUTPUT_STRIDE * sx * (1 - sx) * scale;
      gradReg[o + 3] += (g[1] + g[3]) * OUTPUT_STRIDE * sy * (1 - sy) * scale;
    }
  }
  const focalTerm = focal / norm.heatmap;
  const box = targets.count > 0 ? boxSum / norm.box : 0;
  return {
    focal: focalTerm,
    box,
    total: weights.heatmap * focalTerm + weights.box * box,
    gradHeatmap,
    gradReg,
  };
}
