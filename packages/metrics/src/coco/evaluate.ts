import { computeIou } from './compute-iou.js';
import type { Detections } from './detections.js';
import { EvalImgs } from './eval-imgs.js';
import { evaluateImg } from './evaluate-img.js';
import { ImgBucket } from './img-bucket.js';
import type { BucketLayout } from './layout.js';
import type { Params } from './params.js';
import { type GroundTruth, prepareDetections } from './prepare.js';

/** pycocotools caps every IoU threshold at `1 - 1e-10` so that a perfect overlap matches. */
const MAX_IOU_THRESHOLD = 1 - 1e-10;

/**
 * pycocotools' `evaluate()`: for every evaluated category and selected image (`selected[i]`
 * = 1), take its detections best score first, keep the first maxDets[-1] (recording their
 * scores, ranks and `width * height`), then `computeIou` and `evaluateImg` (at each area
 * range). Buckets without ground truth and detections are skipped.
 */
export function evaluate(
  p: Params,
  gt: GroundTruth,
  dt: Detections,
  selected: Uint8Array,
  buckets: BucketLayout,
): EvalImgs {
  const { K, numImages } = buckets;
  const A = p.areaRanges.length;
  const maxDet = p.maxDets[p.maxDets.length - 1];
  const { order: dtOrder, start: dtStart } = prepareDetections(dt, buckets);

  const catStart = new Int32Array(K + 1);
  for (let k = 0; k < K; k++) {
    let kept = 0;
    for (let i = 0; i < numImages; i++) {
      if (selected[i] === 1) kept += Math.min(buckets.size(dtStart, k, i), maxDet);
    }
    catStart[k + 1] = catStart[k] + kept;
  }
  const out = new EvalImgs(catStart, A, p.iouThrs.length);
  const thresholds = Float64Array.from(p.iouThrs, (t) => Math.min(t, MAX_IOU_THRESHOLD));
  const b = new ImgBucket();
  const { score, rank } = out;
  const dtScore = dt.score;
  const dtBox = dt.box;

  for (let k = 0; k < K; k++) {
    const base = catStart[k];
    let pos = 0;
    for (let i = 0; i < numImages; i++) {
      if (selected[i] === 0) continue;
      const G = buckets.size(gt.start, k, i);
      const D = Math.min(buckets.size(dtStart, k, i), maxDet);
      if (G === 0 && D === 0) continue;
      const ds = buckets.offset(dtStart, k, i);
      b.load(k, pos, buckets.offset(gt.start, k, i), G, ds, D);
      const dtArea = b.dtArea;
      for (let d = 0; d < D; d++) {
        const j = dtOrder[ds + d];
        score[base + pos + d] = dtScore[j];
        rank[base + pos + d] = d;
        dtArea[d] = dtBox[4 * j + 2] * dtBox[4 * j + 3];
      }
      if (G > 0) computeIou(b, dt, dtOrder, gt);
      evaluateImg(b, gt, p.areaRanges, thresholds, out);
      pos += D;
    }
    if (pos !== out.count(k)) throw new Error('internal: detection count mismatch');
  }
  return out;
}
