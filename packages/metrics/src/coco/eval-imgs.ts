/** Outcome of a detection at one area range and IoU threshold: a false positive, */
export const OUTCOME_FP = 0;
/** a true positive (matched to non-ignored ground truth), */
export const OUTCOME_TP = 1;
/** or ignored (matched to ignored ground truth, or unmatched outside the area range). */
export const OUTCOME_IGNORED = 2;

/**
 * pycocotools' `evalImgs` packed per evaluated category: category `k` owns the kept detections
 * `catStart[k]..catStart[k + 1]` (at most maxDets[-1] per image), in image order, then best
 * score first within an image.
 */
export class EvalImgs {
  /** Score of each kept detection. */
  readonly score: Float64Array;
  /** Rank of the detection inside its image (and category), 0 = highest score. */
  readonly rank: Int32Array;
  /** `OUTCOME_*` per (category block, area range, IoU threshold, detection): see {@link row}. */
  readonly outcome: Uint8Array;
  /** Non-ignored ground truth per (category, area range): see {@link npigAt}. */
  readonly npig: Float64Array;

  /**
   * @param catStart `K + 1` offsets of the categories' detections.
   * @param A Area ranges. @param T IoU thresholds.
   */
  constructor(
    readonly catStart: Int32Array,
    readonly A: number,
    readonly T: number,
  ) {
    const K = catStart.length - 1;
    const total = catStart[K];
    this.score = new Float64Array(total);
    this.rank = new Int32Array(total);
    this.outcome = new Uint8Array(total * A * T);
    this.npig = new Float64Array(K * A);
  }

  /** Kept detections of category `k`. */
  count(k: number): number {
    return this.catStart[k + 1] - this.catStart[k];
  }

  /**
   * Offset in `outcome` of row (`k`, area `a`, threshold `t`): the outcomes of category `k`'s
   * detections, in the order of `score`, `count(k)` of them; row (`k`, `a`, `t + 1`) follows
   * it directly.
   */
  row(k: number, a: number, t: number): number {
    const base = this.catStart[k];
    return base * this.A * this.T + (a * this.T + t) * (this.catStart[k + 1] - base);
  }

  /** Offset in `npig` of (category `k`, area range `a`). */
  npigAt(k: number, a: number): number {
    return k * this.A + a;
  }
}
