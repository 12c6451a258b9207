import { checkCocoResult, parseCocoGroundTruth, RESULTS_SOURCE } from './coco-parse.js';
import { type CocoSummaryEntry, cocoSummaryEntries, formatCocoSummary } from './coco-summary.js';
import type {
  CocoAreaRange,
  CocoCategoryStats,
  CocoEvalOptions,
  CocoEvalResult,
  CocoGroundTruth,
  CocoResult,
} from './coco-types.js';
import { MetricsInputError } from './errors.js';
import { linspace, numpySum } from './numeric.js';
import { bucketByKey, stableSortDesc } from './sort.js';

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

/** `np.spacing(1)`: the float64 epsilon pycocotools adds to the precision denominator. */
const EPS = 2 ** -52;
/** pycocotools caps every IoU threshold at `1 - 1e-10` so that a perfect overlap matches. */
const MAX_IOU_THRESHOLD = 1 - 1e-10;

const OUTCOME_FP = 0;
const OUTCOME_TP = 1;
const OUTCOME_IGNORED = 2;

interface Params {
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRanges: CocoAreaRange[];
  useCats: boolean;
}

function validateOptions(options: CocoEvalOptions): Params {
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

/** Per-image matching output of all categories, packed per evaluated category. */
interface Matched {
  /** `K + 1` offsets into the per-detection arrays. */
  catStart: Int32Array;
  score: Float64Array;
  /** Rank of the detection inside its image (and category), 0 = highest score. */
  rank: Int32Array;
  /** Outcome per (category block, area, IoU threshold, detection): FP, TP or ignored. */
  outcome: Uint8Array;
  /** Non-ignored ground truth per (category, area). */
  npig: Float64Array;
}

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

  // Ground truth, bucketed by (category, image) in annotation order.
  private readonly gtOrder: Int32Array;
  private readonly gtStart: Int32Array;
  private readonly gtBox: Float64Array;
  private readonly gtArea: Float64Array;
  private readonly gtCrowd: Uint8Array;
  private readonly gtId: Float64Array;

  // Detections in the order they were added.
  private count = 0;
  private dtImg = new Int32Array(1024);
  private dtCat = new Int32Array(1024);
  private dtBox = new Float64Array(4096);
  private dtScore = new Float64Array(1024);

  /**
   * @param groundTruth COCO ground truth; validated with `parseCocoGroundTruth` (throws
   *   `CocoFormatError`).
   * @param options Evaluation parameters (defaults: pycocotools' bbox parameters); invalid
   *   options throw `MetricsInputError`.
   */
  constructor(groundTruth: CocoGroundTruth, options: CocoEvalOptions = {}) {
    this.params = validateOptions(options);
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

    const n = gt.annotations.length;
    const keys = new Int32Array(n);
    this.gtBox = new Float64Array(4 * n);
    this.gtArea = new Float64Array(n);
    this.gtCrowd = new Uint8Array(n);
    this.gtId = new Float64Array(n);
    gt.annotations.forEach((ann, j) => {
      keys[j] = this.fineKey(this.catIndex.get(ann.category_id)!, this.imgIndex.get(ann.image_id)!);
      this.gtBox.set(ann.bbox, 4 * j);
      this.gtArea[j] = ann.area;
      this.gtCrowd[j] = ann.iscrowd ? 1 : 0;
      this.gtId[j] = ann.id;
    });
    const buckets = bucketByKey(keys, n, this.imgIds.length * this.catIds.length);
    this.gtOrder = buckets.order;
    this.gtStart = buckets.start;
  }

  /** Number of detections added so far. */
  get numDetections(): number {
    return this.count;
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
    this.reserve(this.count + results.length);
    for (const result of results) {
      const j = this.count++;
      this.dtImg[j] = this.imgIndex.get(result.image_id)!;
      this.dtCat[j] = this.catIndex.get(result.category_id)!;
      const box = result.bbox;
      this.dtBox[4 * j] = box[0];
      this.dtBox[4 * j + 1] = box[1];
      this.dtBox[4 * j + 2] = box[2];
      this.dtBox[4 * j + 3] = box[3];
      this.dtScore[j] = result.score;
    }
  }

  /** Removes all detections (the ground truth and options stay). */
  reset(): void {
    this.count = 0;
  }

  /**
   * Evaluates all detections added so far (it can be called again after more batches). Returns
   * the 12 stats, per-category numbers, the precision/recall arrays and the summary text.
   */
  evaluate(): CocoEvalResult {
    const t0 = performance.now();
    const matched = this.match();
    const t1 = performance.now();
    const { precision, recall } = this.accumulate(matched);
    const t2 = performance.now();
    const p = this.params;
    const K = p.useCats ? this.catIds.length : 1;
    const counts: [number, number, number, number, number] = [
      p.iouThrs.length,
      p.recThrs.length,
      K,
      p.areaRanges.length,
      p.maxDets.length,
    ];
    const entries = cocoSummaryEntries(p.maxDets);
    const scratch = new Float64Array(counts[0] * counts[1] * K);
    const stats = entries.map((entry) =>
      this.summarize(entry, precision, recall, counts, null, scratch),
    );
    const perCategory: Record<string, CocoCategoryStats> = {};
    if (p.useCats) {
      const allArea = p.areaRanges.findIndex((r) => r.label === 'all');
      const a = Math.max(allArea, 0);
      for (let k = 0; k < K; k++) {
        const s = entries.map((entry) =>
          this.summarize(entry, precision, recall, counts, k, scratch),
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
          numGroundTruth: matched.npig[k * counts[3] + a],
          numDetections: matched.catStart[k + 1] - matched.catStart[k],
        };
      }
    }
    return {
      stats,
      perCategory,
      precision,
      recall,
      counts,
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

  /**
   * Bucket key of (category index, image index). With `useCats` the buckets are
   * (category, image) pairs; without, an image's bucket spans all categories in id order, as
   * pycocotools concatenates them.
   */
  private fineKey(k: number, i: number): number {
    return this.params.useCats ? k * this.imgIds.length + i : i * this.catIds.length + k;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.dtScore.length) return;
    let size = this.dtScore.length;
    while (size < capacity) size *= 2;
    const used = this.count;
    const grow = <T extends Int32Array | Float64Array>(old: T, width: number): T => {
      const next = new (old.constructor as new (length: number) => T)(size * width);
      next.set(old.subarray(0, used * width));
      return next;
    };
    this.dtImg = grow(this.dtImg, 1);
    this.dtCat = grow(this.dtCat, 1);
    this.dtBox = grow(this.dtBox, 4);
    this.dtScore = grow(this.dtScore, 1);
  }

  /** pycocotools' `evaluate()`: per image and category, match detections to ground truth. */
  private match(): Matched {
    const p = this.params;
    const nI = this.imgIds.length;
    const nK = this.catIds.length;
    const K = p.useCats ? nK : 1;
    const T = p.iouThrs.length;
    const A = p.areaRanges.length;
    const maxDet = p.maxDets[p.maxDets.length - 1];
    const stride = p.useCats ? 1 : nK;
    const n = this.count;

    // Group detections like the ground truth, then order each bucket by score (stable).
    const keys = new Int32Array(n);
    for (let j = 0; j < n; j++) keys[j] = this.fineKey(this.dtCat[j], this.dtImg[j]);
    const { order: dtOrder, start: dtStart } = bucketByKey(keys, n, nI * nK);
    const tmp = keys; // reused as merge-sort scratch
    const numBuckets = K * nI;
    for (let b = 0; b < numBuckets; b++) {
      stableSortDesc(dtOrder, dtStart[b * stride], dtStart[(b + 1) * stride], this.dtScore, tmp);
    }

    // Detections kept per category (at most maxDet per bucket).
    const catStart = new Int32Array(K + 1);
    for (let k = 0; k < K; k++) {
      let kept = 0;
      for (let i = 0; i < nI; i++) {
        if (this.imgSelected[i] === 0) continue;
        const b = k * nI + i;
        kept += Math.min(dtStart[(b + 1) * stride] - dtStart[b * stride], maxDet);
      }
      catStart[k + 1] = catStart[k] + kept;
    }
    const total = catStart[K];
    const score = new Float64Array(total);
    const rank = new Int32Array(total);
    const outcome = new Uint8Array(total * A * T);
    const npig = new Float64Array(K * A);

    const thresholds = p.iouThrs.map((t) => Math.min(t, MAX_IOU_THRESHOLD));
    const aMin = p.areaRanges.map((r) => r.min);
    const aMax = p.areaRanges.map((r) => r.max);
    let ious = new Float64Array(256);
    let gtOrd = new Int32Array(64);
    let gtIgn = new Uint8Array(64);
    let gtCrowdSorted = new Uint8Array(64);
    let gtIdZero = new Uint8Array(64);
    let gtMatched = new Uint8Array(64);
    let dtArea = new Float64Array(Math.min(maxDet, 1 << 16));
    const gtBox = this.gtBox;
    const dtBox = this.dtBox;

    for (let k = 0; k < K; k++) {
      const base = catStart[k];
      const nk = catStart[k + 1] - base;
      const block = base * A * T;
      let pos = 0; // position of the bucket's first detection inside the category block
      for (let i = 0; i < nI; i++) {
        if (this.imgSelected[i] === 0) continue;
        const b = k * nI + i;
        const gs = this.gtStart[b * stride];
        const G = this.gtStart[(b + 1) * stride] - gs;
        const ds = dtStart[b * stride];
        const D = Math.min(dtStart[(b + 1) * stride] - ds, maxDet);
        if (G === 0 && D === 0) continue;

        if (D > dtArea.length) dtArea = new Float64Array(D);
        for (let d = 0; d < D; d++) {
          const j = dtOrder[ds + d];
          score[base + pos + d] = this.dtScore[j];
          rank[base + pos + d] = d;
          dtArea[d] = dtBox[4 * j + 2] * dtBox[4 * j + 3];
        }

        if (G === 0) {
          // No ground truth: every detection is unmatched at every threshold (a false positive,
          // or ignored outside the area range).
          for (let ai = 0; ai < A; ai++) {
            const lo = aMin[ai];
            const hi = aMax[ai];
            for (let d = 0; d < D; d++) {
              const code = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
              for (let t = 0; t < T; t++) outcome[block + (ai * T + t) * nk + pos + d] = code;
            }
          }
          pos += D;
          continue;
        }

        if (G > gtOrd.length) {
          const size = Math.max(G, 2 * gtOrd.length);
          gtOrd = new Int32Array(size);
          gtIgn = new Uint8Array(size);
          gtCrowdSorted = new Uint8Array(size);
          gtIdZero = new Uint8Array(size);
          gtMatched = new Uint8Array(size);
        }
        if (D * G > ious.length) ious = new Float64Array(Math.max(D * G, 2 * ious.length));
        // IoU exactly as maskApi.c bbIou: dt-major, crowd union = detection area.
        for (let d = 0; d < D; d++) {
          const j = 4 * dtOrder[ds + d];
          const dx = dtBox[j];
          const dy = dtBox[j + 1];
          const dw = dtBox[j + 2];
          const dh = dtBox[j + 3];
          const da = dw * dh;
          for (let g = 0; g < G; g++) {
            const a = this.gtOrder[gs + g];
            const q = 4 * a;
            const gx = gtBox[q];
            const gy = gtBox[q + 1];
            const gw = gtBox[q + 2];
            const gh = gtBox[q + 3];
            let v = 0;
            const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
            if (w > 0) {
              const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
              if (h > 0) {
                const inter = w * h;
                const union = this.gtCrowd[a] ? da : da + gw * gh - inter;
                v = inter / union;
              }
            }
            ious[d * G + g] = v;
          }
        }

        for (let ai = 0; ai < A; ai++) {
          const lo = aMin[ai];
          const hi = aMax[ai];
          // Ground truth ordered non-ignored first (stable), as argsort(kind='mergesort').
          let o = 0;
          let ignoredCount = 0;
          for (let pass = 0; pass < 2; pass++) {
            for (let g = 0; g < G; g++) {
              const a = this.gtOrder[gs + g];
              const area = this.gtArea[a];
              const ign = this.gtCrowd[a] === 1 || area < lo || area > hi ? 1 : 0;
              if (ign !== pass) continue;
              gtOrd[o] = g;
              gtIgn[o] = ign;
              gtCrowdSorted[o] = this.gtCrowd[a];
              gtIdZero[o] = this.gtId[a] === 0 ? 1 : 0;
              o++;
              ignoredCount += ign;
            }
          }
          npig[k * A + ai] += G - ignoredCount;
          if (D === 0) continue;

          for (let t = 0; t < T; t++) {
            const thr = thresholds[t];
            const out = block + (ai * T + t) * nk + pos;
            gtMatched.fill(0, 0, G);
            for (let d = 0; d < D; d++) {
              let best = thr;
              let m = -1;
              const row = d * G;
              for (let gi = 0; gi < G; gi++) {
                if (gtMatched[gi] === 1 && gtCrowdSorted[gi] === 0) continue;
                if (m > -1 && gtIgn[m] === 0 && gtIgn[gi] === 1) break;
                const v = ious[row + gtOrd[gi]];
                if (v < best) continue;
                best = v;
                m = gi;
              }
              let code: number;
              if (m === -1) {
                code = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
              } else {
                gtMatched[m] = 1;
                if (gtIgn[m] === 1) code = OUTCOME_IGNORED;
                else if (gtIdZero[m] === 1) {
                  // dtMatches stores the gt id; an id of 0 reads as "unmatched" in pycocotools.
                  code = dtArea[d] < lo || dtArea[d] > hi ? OUTCOME_IGNORED : OUTCOME_FP;
                } else code = OUTCOME_TP;
              }
              outcome[out + d] = code;
            }
          }
        }
        pos += D;
      }
      if (pos !== nk) throw new Error('internal: detection count mismatch');
    }
    return { catStart, score, rank, outcome, npig };
  }

  /** pycocotools' `accumulate()`: precision [T,R,K,A,M] and recall [T,K,A,M]. */
  private accumulate(matched: Matched): { precision: Float64Array; recall: Float64Array } {
    const p = this.params;
    const T = p.iouThrs.length;
    const R = p.recThrs.length;
    const K = p.useCats ? this.catIds.length : 1;
    const A = p.areaRanges.length;
    const M = p.maxDets.length;
    const recThrs = Float64Array.from(p.recThrs);
    const precision = new Float64Array(T * R * K * A * M).fill(-1);
    const recall = new Float64Array(T * K * A * M).fill(-1);
    const { catStart, score, rank, outcome, npig } = matched;

    let maxN = 0;
    for (let k = 0; k < K; k++) maxN = Math.max(maxN, catStart[k + 1] - catStart[k]);
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
      const nk = catStart[k + 1] - base;
      // Concatenated in image order then rank: a stable sort by score reproduces
      // np.argsort(-dtScores, kind='mergesort') over the concatenation.
      const catScore = score.subarray(base, base + nk);
      for (let j = 0; j < nk; j++) idx[j] = j;
      stableSortDesc(idx, 0, nk, catScore, tmp);
      for (let j = 0; j < nk; j++) rankSorted[j] = rank[base + idx[j]];
      for (let a = 0; a < A; a++) {
        const positives = npig[k * A + a];
        if (positives === 0) continue;
        for (let t = 0; t < T; t++) {
          const block = base * A * T + (a * T + t) * nk;
          tps.fill(0);
          fps.fill(0);
          for (let j = 0; j < nk; j++) {
            const c = outcome[block + idx[j]];
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
            recall[((t * K + k) * A + a) * M + m] = n / positives;
            // Precision falls after each false positive, so the monotone envelope of the full
            // curve at a true positive is the running maximum over later true positives, and
            // searchsorted(rc, thr, 'left') lands on the first true positive with rc >= thr
            // (on index 0 for thr = 0, whose envelope is the maximum over all of them).
            for (let e = n - 1; e > 0; e--) {
              if (events[ev + e] > events[ev + e - 1]) events[ev + e - 1] = events[ev + e];
            }
            let e = 0;
            for (let r = 0; r < R; r++) {
              const thr = recThrs[r];
              while (e < n && (e + 1) / positives < thr) e++;
              precision[(((t * R + r) * K + k) * A + a) * M + m] = e < n ? events[ev + e] : 0;
            }
          }
        }
      }
    }
    return { precision, recall };
  }

  /**
   * pycocotools' `_summarize`: mean (numpy pairwise summation) of the selected entries > -1,
   * or -1 when there is none. `onlyK` restricts to one category (per-category numbers).
   */
  private summarize(
    entry: CocoSummaryEntry,
    precision: Float64Array,
    recall: Float64Array,
    counts: readonly number[],
    onlyK: number | null,
    scratch: Float64Array,
  ): number {
    const [T, R, K, A, M] = counts;
    const p = this.params;
    const a = p.areaRanges.findIndex((range) => range.label === entry.areaLabel);
    const m = p.maxDets.indexOf(entry.maxDets);
    if (a < 0 || m < 0) return -1;
    const ts: number[] = [];
    for (let t = 0; t < T; t++)
      if (entry.iouThr === null || p.iouThrs[t] === entry.iouThr) ts.push(t);
    const k0 = onlyK ?? 0;
    const k1 = onlyK === null ? K : onlyK + 1;
    let n = 0;
    for (const t of ts) {
      if (entry.ap) {
        for (let r = 0; r < R; r++) {
          for (let k = k0; k < k1; k++) {
            const v = precision[(((t * R + r) * K + k) * A + a) * M + m];
            if (v > -1) scratch[n++] = v;
          }
        }
      } else {
        for (let k = k0; k < k1; k++) {
          const v = recall[((t * K + k) * A + a) * M + m];
          if (v > -1) scratch[n++] = v;
        }
      }
    }
    return n === 0 ? -1 : numpySum(scratch, n) / n;
  }
}
