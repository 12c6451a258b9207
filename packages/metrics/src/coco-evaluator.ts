import { accumulate } from './coco/accumulate.js';
import { Detections } from './coco/detections.js';
import { evaluate } from './coco/evaluate.js';
import { BucketLayout, EvalLayout } from './coco/layout.js';
import { type Params, validateParams } from './coco/params.js';
import { type GroundTruth, prepareGroundTruth } from './coco/prepare.js';
import { summarize } from './coco/summarize.js';
import { checkCocoResult, parseCocoGroundTruth, RESULTS_SOURCE } from './coco-parse.js';
import { cocoSummaryEntries, formatCocoSummary } from './coco-summary.js';
import type {
  CocoCategoryStats,
  CocoEvalOptions,
  CocoEvalResult,
  CocoGroundTruth,
  CocoResult,
} from './coco-types.js';
import { MetricsInputError } from './errors.js';

/**
 * COCO bbox evaluation identical to `pycocotools.cocoeval.COCOeval(gt, dt, 'bbox')` followed by
 * `evaluate()`, `accumulate()` and `summarize()`.
 *
 * ```ts
 * const evaluator = new CocoEvaluator(groundTruth);
 * for (const batch of batches) evaluator.addDetections(batch); // incremental
 * const { stats, summary, perCategory } = evaluator.evaluate();
 * ```
 *
 * Semantics follow pycocotools exactly: images and categories are the ground truth's, sorted
 * by id; per image and category the detections are ordered by score (stable: equal scores keep
 * the order in which they were added) and cut to the largest maxDets; each is matched greedily
 * to the unmatched ground truth with the highest IoU (at least the threshold, capped at
 * `1 - 1e-10`), preferring non-ignored ground truth; crowd regions (`iscrowd`) use the
 * detection's area as the union, can absorb any number of detections and are never positives;
 * ground truth outside an area range is ignored, as are unmatched detections outside it.
 * Precision is interpolated at 101 recall thresholds; absent entries are `-1`.
 * A ground-truth annotation with `id` 0 behaves as in pycocotools: a detection matched to it
 * counts as unmatched.
 */
export class CocoEvaluator {
  private readonly params: Params;
  private readonly imgIds: number[];
  private readonly imgIndex: Map<number, number>;
  private readonly catIds: number[];
  private readonly catIndex: Map<number, number>;
  private readonly catNames: string[];
  /** 1 for images taking part in the evaluation (`options.imageIds`). */
  private readonly imgSelected: Uint8Array;
  private readonly buckets: BucketLayout;
  private readonly layout: EvalLayout;
  private readonly gt: GroundTruth;
  private readonly dt = new Detections();

  /**
   * @param groundTruth COCO ground truth; validated with `parseCocoGroundTruth` (throws
   *   `CocoFormatError`).
   * @param options Evaluation parameters (defaults: pycocotools' bbox parameters); invalid
   *   options throw `MetricsInputError`.
   */
  constructor(groundTruth: CocoGroundTruth, options: CocoEvalOptions = {}) {
    const p = validateParams(options);
    this.params = p;
    const gt = parseCocoGroundTruth(groundTruth);
    this.imgIds = gt.images.map((image) => image.id).sort((a, b) => a - b);
    this.imgIndex = new Map(this.imgIds.map((id, i) => [id, i]));
    this.imgSelected = new Uint8Array(this.imgIds.length).fill(options.imageIds ? 0 : 1);
    if (options.imageIds !== undefined) {
      if (!Array.isArray(options.imageIds)) {
        throw new MetricsInputError('imageIds', 'expected an array of image ids', options.imageIds);
      }
      options.imageIds.forEach((id, j) => {
        const i = this.imgIndex.get(id);
        if (i === undefined) {
          throw new MetricsInputError(`imageIds[${j}]`, 'not an image of the ground truth', id);
        }
        this.imgSelected[i] = 1;
      });
    }
    const categories = [...gt.categories].sort((a, b) => a.id - b.id);
    this.catIds = categories.map((category) => category.id);
    this.catNames = categories.map((category) => category.name);
    this.catIndex = new Map(this.catIds.map((id, k) => [id, k]));
    this.buckets = new BucketLayout(p.useCats, this.imgIds.length, this.catIds.length);
    this.layout = new EvalLayout(
      p.iouThrs.length,
      p.recThrs.length,
      this.buckets.K,
      p.areaRanges.length,
      p.maxDets.length,
    );
    this.gt = prepareGroundTruth(gt.annotations, this.imgIndex, this.catIndex, this.buckets);
  }

  /** Number of detections added so far. */
  get numDetections(): number {
    return this.dt.count;
  }

  /**
   * Adds a batch of detections (COCO results format). Batches accumulate in order; the whole
   * batch is validated first, so a bad batch adds nothing. Throws `CocoFormatError` naming
   * `source`, the entry index inside this batch and the field for an unknown `image_id` /
   * `category_id`, a malformed or negative-size `bbox`, a non-finite `score`.
   */
  addDetections(results: readonly CocoResult[], source = RESULTS_SOURCE): void {
    if (!Array.isArray(results)) {
      throw new MetricsInputError('results', 'expected an array of COCO results', results);
    }
    for (let i = 0; i < results.length; i++) {
      checkCocoResult(results[i], i, source, this.imgIndex, this.catIndex);
    }
    this.dt.reserve(this.dt.count + results.length);
    for (const result of results) {
      this.dt.push(
        result,
        this.imgIndex.get(result.image_id)!,
        this.catIndex.get(result.category_id)!,
      );
    }
  }

  /** Removes all detections (the ground truth and options stay). */
  reset(): void {
    this.dt.count = 0;
  }

  /**
   * Evaluates all detections added so far (it can be called again after more batches). Returns
   * the 12 stats, per-category numbers, the precision/recall arrays and the summary text.
   */
  evaluate(): CocoEvalResult {
    const p = this.params;
    const layout = this.layout;
    const t0 = performance.now();
    const imgs = evaluate(p, this.gt, this.dt, this.imgSelected, this.buckets);
    const t1 = performance.now();
    const { precision, recall } = accumulate(p, imgs, layout);
    const t2 = performance.now();
    const { T, R, K } = layout;
    const entries = cocoSummaryEntries(p.maxDets);
    const scratch = new Float64Array(T * R * K);
    const stats = entries.map((entry) =>
      summarize(entry, p, layout, precision, recall, null, scratch),
    );
    const perCategory: Record<string, CocoCategoryStats> = {};
    if (p.useCats) {
      const allArea = p.areaRanges.findIndex((r) => r.label === 'all');
      const a = Math.max(allArea, 0);
      for (let k = 0; k < K; k++) {
        const s = entries.map((entry) =>
          summarize(entry, p, layout, precision, recall, k, scratch),
        );
        perCategory[String(this.catIds[k])] = {
          id: this.catIds[k],
          name: this.catNames[k],
          ap: s[0],
          ap50: s[1],
          ap75: s[2],
          apSmall: s[3],
          apMedium: s[4],
          apLarge: s[5],
          ar1: s[6],
          ar10: s[7],
          ar100: s[8],
          arSmall: s[9],
          arMedium: s[10],
          arLarge: s[11],
          stats: s,
          numGroundTruth: imgs.npig[imgs.npigAt(k, a)],
          numDetections: imgs.count(k),
        };
      }
    }
    return {
      stats,
      perCategory,
      precision,
      recall,
      counts: layout.counts,
      summary: formatCocoSummary(stats, { maxDets: p.maxDets, iouThresholds: p.iouThrs }),
      params: {
        iouThresholds: [...p.iouThrs],
        recallThresholds: [...p.recThrs],
        maxDets: [...p.maxDets],
        areaRanges: p.areaRanges.map((r) => ({ ...r })),
        catIds: p.useCats ? [...this.catIds] : [-1],
        imgIds: this.imgIds.filter((_, i) => this.imgSelected[i] === 1),
        useCats: p.useCats,
      },
      timing: { evaluateMs: t1 - t0, accumulateMs: t2 - t1 },
    };
  }
}
