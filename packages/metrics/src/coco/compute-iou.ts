import { iou } from '../iou.js';
import type { Detections } from './detections.js';
import type { ImgBucket } from './img-bucket.js';
import type { GroundTruth } from './prepare.js';

/**
 * pycocotools' `computeIoU` for bbox: fills `b.ious` (detection-major, `D × G`) with maskApi's
 * `bbIou` of the bucket's kept detections, best first (`dtOrder` from `b.ds`), against its
 * ground truth in annotation order; a crowd region's union is the detection's area.
 */
export function computeIou(
  b: ImgBucket,
  dt: Detections,
  dtOrder: Int32Array,
  gt: GroundTruth,
): void {
  const { G, D, gs, ds, ious } = b;
  const box = dt.box;
  const { order, corners, boxArea, crowd } = gt;
  for (let d = 0; d < D; d++) {
    const j = 4 * dtOrder[ds + d];
    const x = box[j];
    const y = box[j + 1];
    const w = box[j + 2];
    const h = box[j + 3];
    const x2 = w + x;
    const y2 = h + y;
    const area = w * h;
    const row = d * G;
    for (let g = 0; g < G; g++) {
      const a = order[gs + g];
      const q = 4 * a;
      const gx1 = corners[q];
      const gy1 = corners[q + 1];
      const gx2 = corners[q + 2];
      const gy2 = corners[q + 3];
      ious[row + g] = iou(x, y, x2, y2, area, gx1, gy1, gx2, gy2, boxArea[a], crowd[a] === 1, 0);
    }
  }
}
