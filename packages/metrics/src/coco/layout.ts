/**
 * Where pycocotools' `(imgId, catId)` buckets of `_gts` / `_dts` lie among the keys of a
 * `bucketByKey` grouping (`key(k, i)` for category index `k`, image index `i`, both in id
 * order).
 *
 * With `useCats` a bucket is one (category, image) pair. Without, the keys run image-major so
 * that one image's keys, all categories in id order, are adjacent, and bucket `(0, i)` spans
 * them: the concatenation pycocotools builds with `catIds = [-1]`.
 */
export class BucketLayout {
  /** Evaluated categories: `numCats` with `useCats`, else 1. */
  readonly K: number;
  /** Keys in all: images × categories. */
  readonly numKeys: number;
  private readonly stride: number;

  constructor(
    readonly useCats: boolean,
    readonly numImages: number,
    readonly numCats: number,
  ) {
    this.K = useCats ? numCats : 1;
    this.numKeys = numImages * numCats;
    this.stride = useCats ? 1 : numCats;
  }

  /** Key of an annotation or detection of category index `k` in image index `i`. */
  key(k: number, i: number): number {
    return this.useCats ? k * this.numImages + i : i * this.numCats + k;
  }

  /** First position of bucket (evaluated category `k`, image `i`) in a grouping's `order`. */
  offset(start: Int32Array, k: number, i: number): number {
    return start[(k * this.numImages + i) * this.stride];
  }

  /** Number of items of bucket (`k`, `i`) in a grouping with offsets `start`. */
  size(start: Int32Array, k: number, i: number): number {
    const b = (k * this.numImages + i) * this.stride;
    return start[b + this.stride] - start[b];
  }
}

/**
 * Shape `[T, R, K, A, M]` of pycocotools' `accumulate()` output (IoU thresholds, recall
 * thresholds, categories, area ranges, maxDets) and C-order offsets into its arrays.
 */
export class EvalLayout {
  /** Distance from `precision[t, r, k, a, m]` to `precision[t, r + 1, k, a, m]`. */
  readonly recallThrStride: number;

  constructor(
    readonly T: number,
    readonly R: number,
    readonly K: number,
    readonly A: number,
    readonly M: number,
  ) {
    this.recallThrStride = K * A * M;
  }

  /** `eval['counts']`. */
  get counts(): [number, number, number, number, number] {
    return [this.T, this.R, this.K, this.A, this.M];
  }

  /** Offset of `precision[t, r, k, a, m]`. */
  precision(t: number, r: number, k: number, a: number, m: number): number {
    return (((t * this.R + r) * this.K + k) * this.A + a) * this.M + m;
  }

  /** Offset of `recall[t, k, a, m]`. */
  recall(t: number, k: number, a: number, m: number): number {
    return ((t * this.K + k) * this.A + a) * this.M + m;
  }
}
