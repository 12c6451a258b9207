/** Points skipped at the start of the curve by {@link suggestLearningRate} (Lightning's default). */
export const SKIP_BEGIN = 10;
/** Points skipped at the end (Lightning's default: the point that stopped the test). */
export const SKIP_END = 1;

/** Relative slope (per decade of lr) below which the loss counts as flat. */
const FLAT = 1e-9;

/** The suggested rate and the index of its point in the curve. */
export interface Suggestion {
  index: number;
  lr: number;
}

/**
 * Derivative of `f` with respect to `x` at every point, as numpy's `gradient` with
 * coordinates: second-order central differences inside (exact for a quadratic, also on
 * uneven spacing), one-sided differences at both ends. Needs at least 2 points.
 */
export function gradient(x: readonly number[], f: readonly number[]): number[] {
  const n = x.length;
  const g = new Array<number>(n);
  g[0] = (f[1] - f[0]) / (x[1] - x[0]);
  g[n - 1] = (f[n - 1] - f[n - 2]) / (x[n - 1] - x[n - 2]);
  for (let i = 1; i < n - 1; i++) {
    const a = x[i] - x[i - 1];
    const b = x[i + 1] - x[i];
    g[i] = (a * a * f[i + 1] - b * b * f[i - 1] + (b * b - a * a) * f[i]) / (a * b * (a + b));
  }
  return g;
}

/**
 * The learning rate of the steepest descent of the smoothed loss against log10(lr): the
 * point where {@link gradient} of `smoothed` over `log10(lr)` is most negative (the first one
 * on a tie). Left out, as Lightning's `suggestion()` does: the first `skipBegin` points
 * (default 10: the loss barely moves there), the last `skipEnd` (default 1: the point that
 * stopped the test) and points whose smoothed loss is not finite. Unlike Lightning, only the
 * points before the lowest remaining smoothed loss count (the gradient itself is computed over
 * all remaining points): past the minimum the curve climbs towards divergence, and a dip
 * there is the recovery from a loss spike, not a good rate.
 * Returns null when fewer than 2 points remain, or when the loss never falls: no gradient
 * below `-1e-9 * max |loss|` per decade (a flat loss whose smoothed values differ only by
 * float rounding has no steepest point).
 */
export function suggestLearningRate(
  lrs: readonly number[],
  smoothed: readonly number[],
  o: { skipBegin?: number; skipEnd?: number } = {},
): Suggestion | null {
  const begin = o.skipBegin ?? SKIP_BEGIN;
  const end = lrs.length - (o.skipEnd ?? SKIP_END);
  const idx: number[] = [];
  let lowest = -1;
  for (let i = begin; i < end; i++) {
    if (!(Number.isFinite(smoothed[i]) && lrs[i] > 0)) continue;
    idx.push(i);
    if (lowest < 0 || smoothed[i] < smoothed[idx[lowest]]) lowest = idx.length - 1;
  }
  if (idx.length < 2 || lowest < 1) return null;
  const g = gradient(
    idx.map((i) => Math.log10(lrs[i])),
    idx.map((i) => smoothed[i]),
  );
  // the steepest point before the minimum (the minimum itself is where the fall ends)
  let k = 0;
  let scale = 0;
  for (let j = 0; j < g.length; j++) {
    if (j < lowest && g[j] < g[k]) k = j;
    scale = Math.max(scale, Math.abs(smoothed[idx[j]]));
  }
  if (!(g[k] < -FLAT * scale)) return null;
  return { index: idx[k], lr: lrs[idx[k]] };
}
