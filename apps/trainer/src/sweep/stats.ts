import { createRng } from '../data/rng.js';

/** Arithmetic mean (NaN for an empty list). */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Sample standard deviation (n - 1 in the denominator; 0 for one value, NaN for none). */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  if (xs.length === 1) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/**
 * The `q`-quantile (0..1) of ascending `sorted`, linearly interpolated between order
 * statistics (numpy's default `method='linear'`: position `q * (n - 1)`).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Options of {@link bootstrapMeanCI}. */
export interface BootstrapOptions {
  /** Resamples drawn (default 10,000; at least 1). */
  resamples?: number;
  /** Seed of the mulberry32 generator that draws them (default 1): same seed, same interval. */
  seed?: number;
  /** Coverage of the interval, in (0, 1) (default 0.95). */
  level?: number;
}

/** A mean and its bootstrap interval. */
export interface MeanCI {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Percentile bootstrap interval of the mean of `xs`: draws `resamples` samples of size n
 * with replacement (index `floor(u * n)` of a seeded mulberry32 stream), takes each one's
 * mean, and returns the `(1 - level) / 2` and `(1 + level) / 2` quantiles of those means
 * ({@link quantileSorted}). With few values the interval is coarse (3 values have 10 distinct
 * resamples) and narrower than the population's: it describes these seeds, not a guarantee.
 * An empty list gives NaN everywhere.
 */
export function bootstrapMeanCI(xs: readonly number[], o: BootstrapOptions = {}): MeanCI {
  const B = o.resamples ?? 10_000;
  const level = o.level ?? 0.95;
  if (!(Number.isInteger(B) && B >= 1))
    throw new RangeError(`bootstrap resamples must be an integer >= 1, got ${B}`);
  if (!(level > 0 && level < 1))
    throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  if (xs.some((x) => !Number.isFinite(x)))
    throw new RangeError('bootstrap values must be finite numbers');
  const rng = createRng(o.seed ?? 1);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rng() * n)];
    means[b] = s / n;
  }
  means.sort();
  const sorted = Array.from(means);
  return {
    mean: mean(xs),
    lo: quantileSorted(sorted, (1 - level) / 2),
    hi: quantileSorted(sorted, (1 + level) / 2),
    n,
  };
}

/**
 * Paired differences `a[k] - b[k]` over the keys (seeds) both maps hold, in ascending key
 * order.
 */
export function pairedDifferences(
  a: ReadonlyMap<number, number>,
  b: ReadonlyMap<number, number>,
): { keys: number[]; diffs: number[] } {
  const keys = [...a.keys()].filter((k) => b.has(k)).sort((x, y) => x - y);
  return { keys, diffs: keys.map((k) => (a.get(k) as number) - (b.get(k) as number)) };
}
