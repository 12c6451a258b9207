/** One training/validation example, already letterboxed to the model input size. */
export interface Sample {
  imageId: number;
  /** size*size*3 RGB in [0,1], HWC. */
  image: Float32Array;
  /** n*4 x1,y1,x2,y2 in input pixels. */
  boxes: Float32Array;
  /** n, 0-based class indices. */
  classes: Int32Array;
}

/** A random-access detection dataset (synthetic or COCO-format). */
export interface DetectionDataset {
  readonly name: string;
  readonly size: number;
  readonly imageSize: number;
  readonly classNames: readonly string[];
  get(index: number, augment?: { rng: () => number }): Sample;
}
