import type { CocoSummaryEntry } from '../coco-summary.js';
import { numpySum } from '../numeric.js';
import type { EvalLayout } from './layout.js';
import type { Params } from './params.js';

/**
 * pycocotools' `_summarize` for one summary entry: the mean (numpy pairwise summation, in
 * C order) of the selected `precision` / `recall` entries > -1, or -1 when there is none or
 * the entry's area label or maxDets is not evaluated. `onlyK` restricts to one category (the
 * per-category numbers). `scratch` holds at least `T * R * K` numbers.
 */
export function summarize(
  entry: CocoSummaryEntry,
  p: Params,
  layout: EvalLayout,
  precision: Float64Array,
  recall: Float64Array,
  onlyK: number | null,
  scratch: Float64Array,
): number {
  const { T, R, K } = layout;
  const a = p.areaRanges.findIndex((range) => range.label === entry.areaLabel);
  const m = p.maxDets.indexOf(entry.maxDets);
  if (a < 0 || m < 0) return -1;
  const k0 = onlyK ?? 0;
  const k1 = onlyK === null ? K : onlyK + 1;
  let n = 0;
  for (let t = 0; t < T; t++) {
    if (entry.iouThr !== null && p.iouThrs[t] !== entry.iouThr) continue;
    if (entry.ap) {
      for (let r = 0; r < R; r++) {
        for (let k = k0; k < k1; k++) {
          const v = precision[layout.precision(t, r, k, a, m)];
          if (v > -1) scratch[n++] = v;
        }
      }
    } else {
      for (let k = k0; k < k1; k++) {
        const v = recall[layout.recall(t, k, a, m)];
        if (v > -1) scratch[n++] = v;
      }
    }
  }
  return n === 0 ? -1 : numpySum(scratch, n) / n;
}
