import type { CocoAnnotation } from '../coco-types.js';
import { bucketByKey, stableSortDesc } from '../sort.js';
import type { Detections } from './detections.js';
import type { BucketLayout } from './layout.js';

/**
 * The ground truth as pycocotools' `_prepare` leaves it in `_gts`: per-annotation columns,
 * grouped by (category, image) bucket in annotation order.
 */
export interface GroundTruth {
  /** Annotation indices grouped by bucket key (see {@link BucketLayout}). */
  order: Int32Array;
  /** `numKeys + 1` offsets into `order`. */
  start: Int32Array;
  /** Corners `[x1, y1, x2, y2]` per annotation, 4 entries each (pixels; `x2 = x + width`). */
  corners: Float64Array;
  /** `width * height` of the box (pixels²), the IoU's area. */
  boxArea: Float64Array;
  /** The annotation's `area` field (pixels²), which area ranges test. */
  area: Float64Array;
  /** 1 for `iscrowd` annotations. */
  crowd: Uint8Array;
  /** Annotation id: pycocotools stores it as the match, so an id of 0 reads as no match. */
  id: Float64Array;
}

/** Buckets validated annotations; `img` / `cat` map ids to indices in id order. */
export function prepareGroundTruth(
  annotations: readonly CocoAnnotation[],
  img: ReadonlyMap<number, number>,
  cat: ReadonlyMap<number, number>,
  buckets: BucketLayout,
): GroundTruth {
  const n = annotations.length;
  const keys = new Int32Array(n);
  const corners = new Float64Array(4 * n);
  const boxArea = new Float64Array(n);
  const area = new Float64Array(n);
  const crowd = new Uint8Array(n);
  const id = new Float64Array(n);
  annotations.forEach((ann, j) => {
    keys[j] = buckets.key(cat.get(ann.category_id)!, img.get(ann.image_id)!);
    const [x, y, w, h] = ann.bbox;
    corners[4 * j] = x;
    corners[4 * j + 1] = y;
    corners[4 * j + 2] = w + x;
    corners[4 * j + 3] = h + y;
    boxArea[j] = w * h;
    area[j] = ann.area;
    crowd[j] = ann.iscrowd ? 1 : 0;
    id[j] = ann.id;
  });
  const { order, start } = bucketByKey(keys, n, buckets.numKeys);
  return { order, start, corners, boxArea, area, crowd, id };
}

/**
 * The detections grouped like the ground truth, each bucket best score first (stable:
 * `np.argsort(-score, kind='mergesort')`, equal scores keep the order they were added in).
 */
export function prepareDetections(
  dt: Detections,
  buckets: BucketLayout,
): { order: Int32Array; start: Int32Array } {
  const n = dt.count;
  const keys = new Int32Array(n);
  for (let j = 0; j < n; j++) keys[j] = buckets.key(dt.cat[j], dt.img[j]);
  const { order, start } = bucketByKey(keys, n, buckets.numKeys);
  const tmp = keys; // reused as merge-sort scratch
  for (let k = 0; k < buckets.K; k++) {
    for (let i = 0; i < buckets.numImages; i++) {
      const from = buckets.offset(start, k, i);
      stableSortDesc(order, from, from + buckets.size(start, k, i), dt.score, tmp);
    }
  }
  return { order, start };
}
