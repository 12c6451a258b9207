/** One completed step as {@link Window} counts it. */
export interface WindowSample {
  /** Total loss of the step. */
  loss: number;
  /** Loss terms (heatmap, box), in a fixed order. */
  terms: readonly number[];
  /** Wall milliseconds of the step (batch, gradients, update). */
  ms: number;
  /** Images the step trained on. */
  images: number;
}

/** Smoothed stats of a {@link Window}. */
export interface WindowStats {
  /** Mean loss over the steps in the window. */
  loss: number;
  /** Mean of each loss term over the steps in the window. */
  terms: number[];
  /** Images per second of wall time over the steps in the window. */
  imagesPerSec: number;
  /** Steps in the window. */
  steps: number;
}

/**
 * Smoothed training stats over the steps since the last {@link reset} (the loop resets it at
 * every log step, so a metrics line holds the means since the previous one): mean loss and
 * loss terms, images per second. Sums are kept in step order, so the means are the same
 * numbers a plain running sum gives.
 */
export class Window {
  private loss = 0;
  private terms: number[];
  private n = 0;
  private ms = 0;
  private images = 0;

  /** `terms`: how many loss terms each sample carries (an integer >= 0). */
  constructor(private readonly termCount: number) {
    if (!Number.isInteger(termCount) || termCount < 0)
      throw new RangeError(`Window: termCount must be an integer >= 0, got ${termCount}`);
    this.terms = new Array<number>(termCount).fill(0);
  }

  /**
   * Adds one step. Throws a RangeError when `terms` has the wrong length or `ms` / `images`
   * is negative or not finite (a NaN loss is the caller's to catch before: trainStep does).
   */
  add(s: WindowSample): void {
    if (s.terms.length !== this.termCount)
      throw new RangeError(
        `Window.add: terms has ${s.terms.length} value(s), expected ${this.termCount}`,
      );
    for (const [k, v] of [
      ['ms', s.ms],
      ['images', s.images],
    ] as const)
      if (!(Number.isFinite(v) && v >= 0))
        throw new RangeError(`Window.add: ${k} must be a finite number >= 0, got ${v}`);
    this.loss += s.loss;
    this.terms = this.terms.map((v, i) => v + s.terms[i]);
    this.n += 1;
    this.ms += s.ms;
    this.images += s.images;
  }

  /** Steps added since the last reset. */
  get size(): number {
    return this.n;
  }

  /**
   * The means since the last reset; null when the window is empty. `imagesPerSec` is
   * Infinity when the steps took 0 ms in all (a timer too coarse to see them).
   */
  stats(): WindowStats | null {
    if (this.n === 0) return null;
    return {
      loss: this.loss / this.n,
      terms: this.terms.map((v) => v / this.n),
      imagesPerSec: this.images / (this.ms / 1000),
      steps: this.n,
    };
  }

  /** Empties the window. */
  reset(): void {
    this.loss = 0;
    this.terms = this.terms.map(() => 0);
    this.n = 0;
    this.ms = 0;
    this.images = 0;
  }
}
