import { MetricsInputError } from './errors.js';
import { iou, zeroIfEmptyUnion } from './iou.js';
import { numpySum } from './numeric.js';

/** A Pascal VOC box `[x1, y1, x2, y2]` (corners, pixels; `x2 >= x1`, `y2 >= y1`). */
export type VocBox = readonly [number, number, number, number] | readonly number[];

/** One ground-truth object. `difficult` objects are neither positives nor false positives. */
export interface VocGroundTruthBox {
  imageId: string | number;
  classId: string | number;
  box: VocBox;
  difficult?: boolean;
}

/** One detection; `score` is any finite number, higher is more confident. */
export interface VocDetection {
  imageId: string | number;
  classId: string | number;
  box: VocBox;
  score: number;
}

export interface VocApOptions {
  groundTruth: readonly VocGroundTruthBox[];
  detections: readonly VocDetection[];
  /** A detection is a hit when its best overlap is strictly greater than this. Default 0.5. */
  iouThreshold?: number;
  /** VOC2007 11-point interpolation instead of the all-point area (VOC2010+). Default false. */
  use07Metric?: boolean;
  /**
   * Pixel-inclusive coordinates as in the VOC devkit / py-faster-rcnn: widths are
   * `x2 - x1 + 1` and intersections `min - max + 1`. Default false (continuous coordinates).
   */
  plusOnePixel?: boolean;
}

export interface VocClassResult {
  classId: string | number;
  ap: number;
  /** Cumulative precision after each detection of the class, by descending score. */
  precision: Float64Array;
  /** Cumulative recall after each detection (true positives / non-difficult objects). */
  recall: Float64Array;
  /** Non-difficult ground-truth objects. */
  numPositives: number;
  numDetections: number;
  truePositives: number;
  falsePositives: number;
}

export interface VocApResult {
  /** Keyed by `String(classId)`; classes with at least one non-difficult object. */
  perClass: Record<string, VocClassResult>;
  /** Mean AP over `perClass` (in first-appearance order of the classes). */
  mAP: number;
  /**
   * Classes that appear (in ground truth or detections) without any non-difficult object:
   * their AP is undefined (0/0 recall), so they are left out of `perClass` and `mAP`.
   */
  skippedClasses: (string | number)[];
}

const EPS = 2 ** -52; // np.finfo(np.float64).eps

function checkId(value: unknown, field: string): string | number {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
    return value;
  }
  throw new MetricsInputError(field, 'expected a string or a finite number', value);
}

function checkBox(value: unknown, field: string): void {
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new MetricsInputError(field, 'expected [x1, y1, x2, y2] with 4 finite numbers', value);
  }
  if (value[2] < value[0] || value[3] < value[1]) {
    throw new MetricsInputError(field, 'expected x2 >= x1 and y2 >= y1 (corner format)', value);
  }
}

/**
 * Area under the precision/recall curve as py-faster-rcnn's `voc_ap`: all-point (precision
 * envelope summed over recall steps, sentinels 0 and 1) or, with `use07Metric`, the mean of
 * the maximum precision at recall >= 0, 0.1, …, 1.0 (0 where no recall reaches it).
 */
export function vocApFromCurve(
  recall: ArrayLike<number>,
  precision: ArrayLike<number>,
  use07Metric = false,
): number {
  const n = recall.length;
  if (use07Metric) {
    let ap = 0;
    for (let i = 0; i <= 10; i++) {
      const t = i * 0.1; // np.arange(0., 1.1, 0.1)
      let p = 0;
      let any = false;
      for (let j = 0; j < n; j++) {
        if (recall[j] >= t && (!any || precision[j] > p)) {
          p = precision[j];
          any = true;
        }
      }
      ap = ap + p / 11;
    }
    return ap;
  }
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  for (let j = 0; j < n; j++) {
    mrec[j + 1] = recall[j];
    mpre[j + 1] = precision[j];
  }
  mrec[n + 1] = 1;
  for (let i = n + 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
  const terms: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    if (mrec[i + 1] !== mrec[i]) terms.push((mrec[i + 1] - mrec[i]) * mpre[i + 1]);
  }
  return numpySum(terms);
}

/**
 * Pascal VOC average precision per class, with py-faster-rcnn `voc_eval` semantics: the
 * detections of a class are visited by descending score (stable: ties keep input order); each
 * takes the ground-truth object of its class and image with the highest overlap (first one on
 * ties); overlap > `iouThreshold` on a non-difficult, not yet taken object is a true
 * positive, on a taken one a false positive, on a difficult one neither; otherwise a false
 * positive. Precision uses `max(tp + fp, eps)` so a leading ignored detection gives 0, not NaN;
 * an overlap with an empty union (zero-area boxes without `plusOnePixel`) counts as 0, not NaN.
 *
 * ```ts
 * const { mAP, perClass } = vocAP({
 *   groundTruth: [{ imageId: 'a', classId: 'dog', box: [10, 10, 50, 60] }],
 *   detections: [{ imageId: 'a', classId: 'dog', box: [12, 11, 50, 58], score: 0.9 }],
 *   use07Metric: true,
 *   plusOnePixel: true,
 * });
 * ```
 *
 * Ids are compared as strings (`1` and `'1'` are the same image/class). Throws
 * `MetricsInputError` naming the entry (e.g. `detections[3].score`) for a non-finite score, a
 * box that is not 4 finite numbers or has `x2 < x1` / `y2 < y1`, a missing id, or an
 * `iouThreshold` outside [0, 1].
 */
export function vocAP(options: VocApOptions): VocApResult {
  const {
    groundTruth,
    detections,
    iouThreshold = 0.5,
    use07Metric = false,
    plusOnePixel = false,
  } = options;
  if (!Array.isArray(groundTruth)) {
    throw new MetricsInputError('groundTruth', 'expected an array', groundTruth);
  }
  if (!Array.isArray(detections)) {
    throw new MetricsInputError('detections', 'expected an array', detections);
  }
  if (typeof iouThreshold !== 'number' || !(iouThreshold >= 0 && iouThreshold <= 1)) {
    throw new MetricsInputError('iouThreshold', 'expected a number in [0, 1]', iouThreshold);
  }
  const one = plusOnePixel ? 1 : 0;

  interface ClassData {
    classId: string | number;
    /** Ground truth per image: flat boxes, difficult flags. */
    images: Map<string, { boxes: number[]; difficult: boolean[] }>;
    positives: number;
    dets: number[];
  }
  const classes = new Map<string, ClassData>();
  const classOf = (classId: string | number): ClassData => {
    const key = String(classId);
    let data = classes.get(key);
    if (!data) {
      data = { classId, images: new Map(), positives: 0, dets: [] };
      classes.set(key, data);
    }
    return data;
  };

  groundTruth.forEach((gt, i) => {
    const entry = `groundTruth[${i}]`;
    if (typeof gt !== 'object' || gt === null) {
      throw new MetricsInputError(entry, 'expected an object', gt);
    }
    const imageId = checkId(gt.imageId, `${entry}.imageId`);
    const data = classOf(checkId(gt.classId, `${entry}.classId`));
    checkBox(gt.box, `${entry}.box`);
    if (gt.difficult !== undefined && typeof gt.difficult !== 'boolean') {
      throw new MetricsInputError(`${entry}.difficult`, 'expected a boolean', gt.difficult);
    }
    const key = String(imageId);
    let image = data.images.get(key);
    if (!image) {
      image = { boxes: [], difficult: [] };
      data.images.set(key, image);
    }
    image.boxes.push(gt.box[0], gt.box[1], gt.box[2], gt.box[3]);
    image.difficult.push(gt.difficult === true);
    if (gt.difficult !== true) data.positives++;
  });
  detections.forEach((det, i) => {
    const entry = `detections[${i}]`;
    if (typeof det !== 'object' || det === null) {
      throw new MetricsInputError(entry, 'expected an object', det);
    }
    checkId(det.imageId, `${entry}.imageId`);
    const data = classOf(checkId(det.classId, `${entry}.classId`));
    checkBox(det.box, `${entry}.box`);
    if (typeof det.score !== 'number' || !Number.isFinite(det.score)) {
      throw new MetricsInputError(`${entry}.score`, 'expected a finite number', det.score);
    }
    data.dets.push(i);
  });

  const perClass: Record<string, VocClassResult> = {};
  const skippedClasses: (string | number)[] = [];
  const aps: number[] = [];
  for (const [key, data] of classes) {
    if (data.positives === 0) {
      skippedClasses.push(data.classId);
      continue;
    }
    // Stable sort by descending score.
    const order = [...data.dets].sort((a, b) => detections[b].score - detections[a].score || a - b);
    const taken = new Map<string, Uint8Array>();
    const nd = order.length;
    const precision = new Float64Array(nd);
    const recall = new Float64Array(nd);
    let tp = 0;
    let fp = 0;
    for (let d = 0; d < nd; d++) {
      const det = detections[order[d]];
      const imageKey = String(det.imageId);
      const image = data.images.get(imageKey);
      const [bx1, by1, bx2, by2] = det.box;
      let ovmax = Number.NEGATIVE_INFINITY;
      let jmax = -1;
      if (image) {
        const boxes = image.boxes;
        const detArea = (bx2 - bx1 + one) * (by2 - by1 + one);
        for (let j = 0; j < image.difficult.length; j++) {
          const gx1 = boxes[4 * j];
          const gy1 = boxes[4 * j + 1];
          const gx2 = boxes[4 * j + 2];
          const gy2 = boxes[4 * j + 3];
          const gtArea = (gx2 - gx1 + one) * (gy2 - gy1 + one);
          const overlap = zeroIfEmptyUnion(
            iou(bx1, by1, bx2, by2, detArea, gx1, gy1, gx2, gy2, gtArea, false, one),
          );
          if (overlap > ovmax) {
            ovmax = overlap;
            jmax = j;
          }
        }
      }
      if (ovmax > iouThreshold) {
        const img = image!;
        if (!img.difficult[jmax]) {
          let flags = taken.get(imageKey);
          if (!flags) {
            flags = new Uint8Array(img.difficult.length);
            taken.set(imageKey, flags);
          }
          if (flags[jmax] === 0) {
            tp++;
            flags[jmax] = 1;
          } else fp++;
        }
      } else fp++;
      recall[d] = tp / data.positives;
      precision[d] = tp / Math.max(tp + fp, EPS);
    }
    const ap = vocApFromCurve(recall, precision, use07Metric);
    aps.push(ap);
    perClass[key] = {
      classId: data.classId,
      ap,
      precision,
      recall,
      numPositives: data.positives,
      numDetections: nd,
      truePositives: tp,
      falsePositives: fp,
    };
  }
  if (aps.length === 0) {
    throw new MetricsInputError(
      'groundTruth',
      'no class has a non-difficult object, so mAP is undefined',
      groundTruth.length,
    );
  }
  return { perClass, mAP: numpySum(aps) / aps.length, skippedClasses };
}
