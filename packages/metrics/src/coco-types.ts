/** A COCO box `[x, y, width, height]` in pixels, `(x, y)` the top-left corner. */
export type CocoBox = [number, number, number, number];

/**
 * A box as input: 4 numbers `[x, y, width, height]`, as a tuple (readonly or not) or any
 * (readonly) number array, as a typed JSON import gives; another length throws
 * `CocoFormatError` at run time.
 */
export type CocoBoxInput = CocoBox | readonly [number, number, number, number] | readonly number[];

/** An entry of the ground truth's `images` list. Only `id` is used. */
export interface CocoImage {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
  [key: string]: unknown;
}

/** An entry of the ground truth's `categories` list. */
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  [key: string]: unknown;
}

/**
 * A ground-truth annotation. `area` (pixels², the segmentation area in real COCO data, not
 * necessarily `width * height`) decides the small/medium/large area range; the box is used for
 * IoU. `iscrowd` marks a crowd region: never counted as a positive, and detections matched to
 * it are ignored. A missing `iscrowd` means 0.
 */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: CocoBoxInput;
  area: number;
  /** 0, 1 or a boolean (a JSON import types it `number`; other values throw `CocoFormatError`). */
  iscrowd?: number | boolean;
  [key: string]: unknown;
}

/** COCO ground truth (`instances_*.json` layout). */
export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
  [key: string]: unknown;
}

/** One detection in the COCO results format. `score` is any finite number, higher is better. */
export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: CocoBoxInput;
  score: number;
  [key: string]: unknown;
}

/**
 * An object-area range of the evaluation. An object (ground truth: its `area` field;
 * detection: `width * height`) is inside when `min <= area <= max` (both ends inclusive).
 */
export interface CocoAreaRange {
  label: string;
  min: number;
  max: number;
}

/** Options of {@link CocoEvaluator}; the defaults are pycocotools' `Params(iouType='bbox')`. */
export interface CocoEvalOptions {
  /** IoU thresholds in [0, 1], unique. Default `np.linspace(.5, .95, 10)` computed as numpy does. */
  iouThresholds?: readonly number[];
  /**
   * Maximum detections per image (and category), positive integers, unique, at least 3 (the
   * summary uses the first three after sorting; stat 0 uses 100). Default `[1, 10, 100]`.
   */
  maxDets?: readonly number[];
  /**
   * Area ranges with unique labels. Default `all [0, 1e10]`, `small [0, 32²]`,
   * `medium [32², 96²]`, `large [96², 1e10]`. The summary looks them up by these labels.
   */
  areaRanges?: readonly CocoAreaRange[];
  /** Match detections to ground truth of the same category only (default `true`). */
  useCats?: boolean;
  /**
   * Evaluate only these images (pycocotools' `params.imgIds`); each must be in the ground
   * truth. Ground truth and detections of other images are left out. Default: all images.
   */
  imageIds?: readonly number[];
}

/** The 12 summary numbers of one category, in pycocotools' order, `-1` where absent. */
export interface CocoCategoryStats {
  id: number;
  name: string;
  /** AP @[IoU=0.50:0.95 | area=all | maxDets=100]. */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
  /** The same 12 numbers as an array, in `stats` order. */
  stats: number[];
  /** Non-ignored ground-truth boxes of the category (area range `all`). */
  numGroundTruth: number;
  /** Detections of the category that took part (at most `maxDets[-1]` per image). */
  numDetections: number;
}

/** Result of {@link CocoEvaluator.evaluate}. */
export interface CocoEvalResult {
  /**
   * pycocotools' `COCOeval.stats`: AP, AP50, AP75, APsmall, APmedium, APlarge, AR1, AR10,
   * AR100, ARsmall, ARmedium, ARlarge; `-1` where no ground truth exists.
   */
  stats: number[];
  /** Per-category numbers, keyed by `String(category id)`. Empty when `useCats` is false. */
  perCategory: Record<string, CocoCategoryStats>;
  /**
   * Precision at each recall threshold, shape `[T, R, K, A, M]` in C order (index
   * `(((t * R + r) * K + k) * A + a) * M + m`), `-1` where the category has no ground truth.
   */
  precision: Float64Array;
  /** Maximum recall, shape `[T, K, A, M]` in C order, `-1` where absent. */
  recall: Float64Array;
  /** `[T, R, K, A, M]`. */
  counts: [number, number, number, number, number];
  /** pycocotools' 12 summary lines joined with `\n` (no trailing newline). */
  summary: string;
  params: {
    iouThresholds: number[];
    recallThresholds: number[];
    maxDets: number[];
    areaRanges: CocoAreaRange[];
    /** The K axis: sorted category ids (`[-1]` when `useCats` is false). */
    catIds: number[];
    imgIds: number[];
    useCats: boolean;
  };
  /** Wall time of the two phases in milliseconds (per-image matching, accumulation). */
  timing: { evaluateMs: number; accumulateMs: number };
}
