import { stableSortDesc } from '../sort.js';
import { type EvalImgs, OUTCOME_IGNORED, OUTCOME_TP } from './eval-imgs.js';
import type { EvalLayout } from './layout.js';
import type { Params } from './params.js';

/** `np.spacing(1)`: the float64 epsilon pycocotools adds to the precision denominator. */
const EPS = 2 ** -52;

/**
 * pycocotools' `accumulate()`: `precision` `[T, R, K, A, M]` (at each recall threshold, the
 * monotone envelope of `tp / (tp + fp + eps)`) and `recall` `[T, K, A, M]` (`tp / npig`), both
 * `-1` where a category has no non-ignored ground truth in the area range.
 */
export function accumulate(
  p: Params,
  imgs: EvalImgs,
  layout: EvalLayout,
): { precision: Float64Array; recall: Float64Array } {
  const { T, R, K, A, M } = layout;
  const rStride = layout.recallThrStride;
  const recThrs = Float64Array.from(p.recThrs);
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const { catStart, score, rank, outcome, npig } = imgs;

  let maxN = 0;
  for (let k = 0; k < K; k++) maxN = Math.max(maxN, imgs.count(k));
  const idx = new Int32Array(maxN);
  const tmp = new Int32Array(maxN);
  const rankSorted = new Int32Array(maxN);
  const maxDets = Int32Array.from(p.maxDets);
  // Per maxDets entry: precision at each true positive ("event"), then its envelope.
  const events = new Float64Array(M * maxN);
  const tps = new Float64Array(M);
  const fps = new Float64Array(M);

  for (let k = 0; k < K; k++) {
    const base = catStart[k];
    const nk = imgs.count(k);
    // Concatenated in image order then rank: a stable sort by score reproduces
    // np.argsort(-dtScores, kind='mergesort') over the concatenation.
    const catScore = score.subarray(base, base + nk);
    for (let j = 0; j < nk; j++) idx[j] = j;
    stableSortDesc(idx, 0, nk, catScore, tmp);
    for (let j = 0; j < nk; j++) rankSorted[j] = rank[base + idx[j]];
    for (let a = 0; a < A; a++) {
      const positives = npig[imgs.npigAt(k, a)];
      if (positives === 0) continue;
      for (let t = 0; t < T; t++) {
        const row = imgs.row(k, a, t);
        tps.fill(0);
        fps.fill(0);
        for (let j = 0; j < nk; j++) {
          const c = outcome[row + idx[j]];
          // Ignored detections leave tp and fp unchanged: they only repeat the previous
          // (recall, precision) pair, which changes neither the envelope nor searchsorted.
          if (c === OUTCOME_IGNORED) continue;
          const r = rankSorted[j];
          for (let m = 0; m < M; m++) {
            if (r >= maxDets[m]) continue;
            if (c === OUTCOME_TP) {
              const tp = ++tps[m];
              events[m * maxN + tp - 1] = tp / (fps[m] + tp + EPS);
            } else fps[m]++;
          }
        }
        for (let m = 0; m < M; m++) {
          const n = tps[m];
          const ev = m * maxN;
          // rc[-1] (or 0 without detections) is tp / npig in both cases.
          recall[layout.recall(t, k, a, m)] = n / positives;
          // Precision falls after each false positive, so the monotone envelope of the full
          // curve at a true positive is the running maximum over later true positives, and
          // searchsorted(rc, thr, 'left') lands on the first true positive with rc >= thr
          // (on index 0 for thr = 0, whose envelope is the maximum over all of them).
          for (let e = n - 1; e > 0; e--) {
            if (events[ev + e] > events[ev + e - 1]) events[ev + e - 1] = events[ev + e];
          }
          let e = 0;
          const at = layout.precision(t, 0, k, a, m);
          for (let r = 0; r < R; r++) {
            const thr = recThrs[r];
            while (e < n && (e + 1) / positives < thr) e++;
            precision[at + r * rStride] = e < n ? events[ev + e] : 0;
          }
        }
      }
    }
  }
  return { precision, recall };
}
