/**
 * The (image, category) bucket being evaluated, as `computeIou` and `evaluateImg` share it:
 * where its ground truth and detections are, and scratch sized for it. One instance serves
 * all buckets of an evaluation; {@link load} grows the scratch when a bucket needs more.
 */
export class ImgBucket {
  /** Evaluated category index. */
  k = 0;
  /** Position of the bucket's first detection inside category `k`'s block of `EvalImgs`. */
  pos = 0;
  /** First position of the bucket's ground truth in `GroundTruth.order`, and its count. */
  gs = 0;
  G = 0;
  /** First position of the bucket's detections in the sorted order, and how many are kept. */
  ds = 0;
  D = 0;

  /** `ious[d * G + g]`: IoU of the `d`-th best detection with ground truth `g` (bucket order). */
  ious = new Float64Array(256);
  /** `width * height` of the `d`-th best detection (pixels²). */
  dtArea = new Float64Array(256);
  /** Per area range, the ground truth non-ignored first (stable): its index in bucket order, */
  gtRank = new Int32Array(64);
  /** its ignore flag, */
  gtIgnore = new Uint8Array(64);
  /** its crowd flag, */
  gtCrowd = new Uint8Array(64);
  /** whether its id is 0, */
  gtIdZero = new Uint8Array(64);
  /** and whether it is matched yet (per IoU threshold). */
  gtMatched = new Uint8Array(64);

  /** Points at bucket (`k`, image) and makes the scratch big enough for `G` and `D`. */
  load(k: number, pos: number, gs: number, G: number, ds: number, D: number): void {
    this.k = k;
    this.pos = pos;
    this.gs = gs;
    this.G = G;
    this.ds = ds;
    this.D = D;
    if (D > this.dtArea.length) this.dtArea = new Float64Array(D);
    if (G > this.gtRank.length) {
      const size = Math.max(G, 2 * this.gtRank.length);
      this.gtRank = new Int32Array(size);
      this.gtIgnore = new Uint8Array(size);
      this.gtCrowd = new Uint8Array(size);
      this.gtIdZero = new Uint8Array(size);
      this.gtMatched = new Uint8Array(size);
    }
    if (D * G > this.ious.length)
      this.ious = new Float64Array(Math.max(D * G, 2 * this.ious.length));
  }
}
