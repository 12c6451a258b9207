/** Default divergence factor: stop once the smoothed loss exceeds 4x the best one (fastai, Lightning). */
export const DEFAULT_DIVERGENCE_FACTOR = 4;

/** Why a range test ended. */
export type StopReason = 'completed' | 'diverged' | 'non-finite' | 'interrupted';

/**
 * The stop rule of a range test. Called with each step's raw and smoothed loss, in order; it
 * first lowers the best smoothed loss seen, then answers `'non-finite'` when either loss is NaN
 * or infinite, `'diverged'` when the smoothed loss is above `factor` times the best one, else
 * null (go on). The first step never diverges (it is its own best).
 */
export function createStopRule(
  factor = DEFAULT_DIVERGENCE_FACTOR,
): (loss: number, smoothed: number) => 'diverged' | 'non-finite' | null {
  let best = Number.POSITIVE_INFINITY;
  return (loss, smoothed) => {
    if (!Number.isFinite(loss) || !Number.isFinite(smoothed)) return 'non-finite';
    if (smoothed < best) best = smoothed;
    return smoothed > factor * best ? 'diverged' : null;
  };
}
