import type { CocoAreaRange } from '../coco-types.js';
import { type EvalImgs, OUTCOME_FP, OUTCOME_IGNORED, OUTCOME_TP } from './eval-imgs.js';
import type { ImgBucket } from './img-bucket.js';
import type { GroundTruth } from './prepare.js';

/**
 * pycocotools' `evaluateImg` for the loaded bucket `b` (after `computeIou`) and area range
 * `a`: ground truth is ignored when crowd or its `area` is outside `[range.min, range.max]`
 * (inclusive) and ordered non-ignored first (stable); at each threshold of `thresholds`
 * (already capped at `1 - 1e-10`), each detection, best first, takes the unmatched ground truth
 * (crowd: matched or not) with the highest IoU >= the threshold, stopping at the ignored ones
 * once it holds a non-ignored match. Writes each detection's `OUTCOME_*` into `out`'s rows
 * (`b.k`, `a`, t) and returns the bucket's count of non-ignored ground truth.
 *
 * An unmatched detection outside the range is ignored, and so is one matched to ground truth
 * with id 0 (pycocotools stores the id as the match, and 0 reads as none).
 */
export function evaluateImg(
  b: ImgBucket,
  gt: GroundTruth,
  a: number,
  range: CocoAreaRange,
  thresholds: Float64Array,
  out: EvalImgs,
): number {
  const { G, D, gs, ious, dtArea, gtRank, gtIgnore, gtCrowd, gtIdZero, gtMatched } = b;
  const lo = range.min;
  const hi = range.max;
  const T = thresholds.length;
  const outcome = out.outcome;
  if (G === 0) {
    // Every detection is unmatched at every threshold.
    for (let d = 0; d < D; d++) {
      const code = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
      for (let t = 0; t < T; t++) outcome[out.row(b.k, a, t) + b.pos + d] = code;
    }
    return 0;
  }

  // np.argsort(gtIgnore, kind='mergesort'): non-ignored first, stable.
  let o = 0;
  let ignored = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let g = 0; g < G; g++) {
      const j = gt.order[gs + g];
      const area = gt.area[j];
      const ign = gt.crowd[j] === 1 || area < lo || area > hi ? 1 : 0;
      if (ign !== pass) continue;
      gtRank[o] = g;
      gtIgnore[o] = ign;
      gtCrowd[o] = gt.crowd[j];
      gtIdZero[o] = gt.id[j] === 0 ? 1 : 0;
      o++;
      ignored += ign;
    }
  }
  if (D === 0) return G - ignored;

  for (let t = 0; t < T; t++) {
    const thr = thresholds[t];
    const row = out.row(b.k, a, t) + b.pos;
    gtMatched.fill(0, 0, G);
    for (let d = 0; d < D; d++) {
      let best = thr;
      let m = -1;
      const ij = d * G;
      for (let gi = 0; gi < G; gi++) {
        if (gtMatched[gi] === 1 && gtCrowd[gi] === 0) continue;
        if (m > -1 && gtIgnore[m] === 0 && gtIgnore[gi] === 1) break;
        const v = ious[ij + gtRank[gi]];
        if (v < best) continue;
        best = v;
        m = gi;
      }
      let code: number;
      if (m > -1) gtMatched[m] = 1;
      if (m > -1 && gtIgnore[m] === 1) code = OUTCOME_IGNORED;
      else if (m > -1 && gtIdZero[m] === 0) code = OUTCOME_TP;
      else code = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
      outcome[row + d] = code;
    }
  }
  return G - ignored;
}
