import type { CocoAreaRange } from '../coco-types.js';
import { type EvalImgs, OUTCOME_FP, OUTCOME_IGNORED, OUTCOME_TP } from './eval-imgs.js';
import type { ImgBucket } from './img-bucket.js';
import type { GroundTruth } from './prepare.js';

/**
 * pycocotools' `evaluateImg` for the loaded bucket `b` (after `computeIou`), at every area
 * range in turn (pycocotools calls it once per range). For range `a`, ground truth is ignored
 * when crowd or its `area` is outside `[min, max]` (inclusive, pixels²) and ordered
 * non-ignored first (stable); at each threshold of `thresholds` (already capped at
 * `1 - 1e-10`), each detection, best first, takes the unmatched ground truth (crowd: matched
 * or not) with the highest IoU >= the threshold, stopping at the ignored ones once it holds a
 * non-ignored match. Writes each detection's `OUTCOME_*` into `out`'s rows (`b.k`, `a`, t)
 * and adds the bucket's non-ignored ground truth to `out.npig`.
 *
 * An unmatched detection outside the range is ignored, and so is one matched to ground truth
 * with id 0 (pycocotools stores the id as the match, and 0 reads as none).
 */
export function evaluateImg(
  b: ImgBucket,
  gt: GroundTruth,
  ranges: readonly CocoAreaRange[],
  thresholds: Float64Array,
  out: EvalImgs,
): void {
  const { k, pos, G, D, gs, ious, dtArea, gtRank, gtIgnore, gtCrowd, gtIdZero, gtMatched } = b;
  const { order, area, crowd, id } = gt;
  const T = thresholds.length;
  const outcome = out.outcome;
  const rowStride = out.count(k);
  for (let a = 0; a < ranges.length; a++) {
    const lo = ranges[a].min;
    const hi = ranges[a].max;
    // The bucket's outcomes at threshold t start at row0 + t * rowStride.
    const row0 = out.row(k, a, 0) + pos;
    if (G === 0) {
      // Every detection is unmatched at every threshold.
      for (let t = 0; t < T; t++) {
        const row = row0 + t * rowStride;
        for (let d = 0; d < D; d++) {
          outcome[row + d] = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
        }
      }
      continue;
    }

    // np.argsort(gtIgnore, kind='mergesort'): non-ignored first, stable.
    let o = 0;
    let ignored = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < G; g++) {
        const j = order[gs + g];
        const ign = crowd[j] === 1 || area[j] < lo || area[j] > hi ? 1 : 0;
        if (ign !== pass) continue;
        gtRank[o] = g;
        gtIgnore[o] = ign;
        gtCrowd[o] = crowd[j];
        gtIdZero[o] = id[j] === 0 ? 1 : 0;
        o++;
        ignored += ign;
      }
    }
    out.npig[out.npigAt(k, a)] += G - ignored;

    for (let t = 0; t < T && D > 0; t++) {
      const thr = thresholds[t];
      const row = row0 + t * rowStride;
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
  }
}
