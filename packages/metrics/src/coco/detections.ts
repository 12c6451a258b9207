import type { CocoResult } from '../coco-types.js';

/**
 * Detections in the order they were added, as growable columns (capacity doubles; about 48
 * bytes a detection). Entries past `count` are stale.
 */
export class Detections {
  count = 0;
  /** Image index (into the sorted image ids). */
  img = new Int32Array(1024);
  /** Category index (into the sorted category ids). */
  cat = new Int32Array(1024);
  /** `[x, y, width, height]` per detection, 4 entries each (pixels). */
  box = new Float64Array(4096);
  score = new Float64Array(1024);

  /** Appends one validated result whose image and category have indices `img`, `cat`. */
  push(result: CocoResult, img: number, cat: number): void {
    const j = this.count++;
    this.img[j] = img;
    this.cat[j] = cat;
    const box = result.bbox;
    this.box[4 * j] = box[0];
    this.box[4 * j + 1] = box[1];
    this.box[4 * j + 2] = box[2];
    this.box[4 * j + 3] = box[3];
    this.score[j] = result.score;
  }

  /** Grows the columns to hold at least `capacity` detections, keeping the first `count`. */
  reserve(capacity: number): void {
    if (capacity <= this.score.length) return;
    let size = this.score.length;
    while (size < capacity) size *= 2;
    const used = this.count;
    const grow = <T extends Int32Array | Float64Array>(old: T, width: number): T => {
      const next = new (old.constructor as new (length: number) => T)(size * width);
      next.set(old.subarray(0, used * width));
      return next;
    };
    this.img = grow(this.img, 1);
    this.cat = grow(this.cat, 1);
    this.box = grow(this.box, 4);
    this.score = grow(this.score, 1);
  }
}
