import type { CocoAreaRange, CocoEvalOptions } from '../coco-types.js';
import { MetricsInputError } from '../errors.js';
import { linspace } from '../numeric.js';

/** pycocotools' default IoU thresholds, `np.linspace(.5, .95, 10)` bit for bit. */
export const COCO_IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
/** pycocotools' 101 recall thresholds, `np.linspace(.0, 1.00, 101)` bit for bit. */
export const COCO_RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));
/** pycocotools' default maxDets. */
export const COCO_MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
/** pycocotools' default area ranges (pixels², inclusive): all, small, medium, large. */
export const COCO_AREA_RANGES: readonly CocoAreaRange[] = Object.freeze([
  { label: 'all', min: 0, max: 1e5 ** 2 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
]);

/** pycocotools' `Params` for bbox, validated (maxDets sorted as `evaluate()` sorts them). */
export interface Params {
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRanges: CocoAreaRange[];
  useCats: boolean;
}

/**
 * `Params` from {@link CocoEvalOptions} (pycocotools' bbox defaults for what is not given).
 * Throws `MetricsInputError` naming the option for an empty, out-of-range or duplicate entry.
 * (`imageIds` is checked by the evaluator, which knows the images.)
 */
export function validateParams(options: CocoEvalOptions): Params {
  const iouThrs = options.iouThresholds ? [...options.iouThresholds] : [...COCO_IOU_THRESHOLDS];
  if (iouThrs.length === 0) {
    throw new MetricsInputError('iouThresholds', 'expected at least one threshold', iouThrs);
  }
  iouThrs.forEach((t, i) => {
    if (typeof t !== 'number' || !(t >= 0 && t <= 1)) {
      throw new MetricsInputError(`iouThresholds[${i}]`, 'expected a number in [0, 1]', t);
    }
    if (iouThrs.indexOf(t) !== i) {
      throw new MetricsInputError(`iouThresholds[${i}]`, 'duplicate threshold', t);
    }
  });
  const maxDets = options.maxDets ? [...options.maxDets] : [...COCO_MAX_DETS];
  if (maxDets.length < 3) {
    throw new MetricsInputError(
      'maxDets',
      'expected at least 3 values (the summary uses the first three)',
      maxDets,
    );
  }
  maxDets.forEach((m, i) => {
    if (!Number.isSafeInteger(m) || m < 1) {
      throw new MetricsInputError(`maxDets[${i}]`, 'expected a positive integer', m);
    }
    if (maxDets.indexOf(m) !== i) {
      throw new MetricsInputError(`maxDets[${i}]`, 'duplicate value', m);
    }
  });
  // pycocotools sorts maxDets in evaluate().
  maxDets.sort((a, b) => a - b);
  const areaRanges = (options.areaRanges ?? COCO_AREA_RANGES).map((range, i) => {
    if (typeof range?.label !== 'string') {
      throw new MetricsInputError(`areaRanges[${i}].label`, 'expected a string', range?.label);
    }
    if (typeof range.min !== 'number' || Number.isNaN(range.min)) {
      throw new MetricsInputError(`areaRanges[${i}].min`, 'expected a number', range.min);
    }
    if (typeof range.max !== 'number' || !(range.max >= range.min)) {
      throw new MetricsInputError(`areaRanges[${i}].max`, 'expected a number >= min', range.max);
    }
    return { label: range.label, min: range.min, max: range.max };
  });
  if (areaRanges.length === 0) {
    throw new MetricsInputError('areaRanges', 'expected at least one range', areaRanges);
  }
  areaRanges.forEach((range, i) => {
    if (areaRanges.findIndex((r) => r.label === range.label) !== i) {
      throw new MetricsInputError(`areaRanges[${i}].label`, 'duplicate label', range.label);
    }
  });
  if (options.useCats !== undefined && typeof options.useCats !== 'boolean') {
    throw new MetricsInputError('useCats', 'expected a boolean', options.useCats);
  }
  return {
    iouThrs,
    recThrs: [...COCO_RECALL_THRESHOLDS],
    maxDets,
    areaRanges,
    useCats: options.useCats ?? true,
  };
}
