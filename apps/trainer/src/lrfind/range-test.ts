import { rampLearningRate } from './ramp.js';
import { createLossSmoother, DEFAULT_BETA } from './smooth.js';
import { createStopRule, DEFAULT_DIVERGENCE_FACTOR, type StopReason } from './stop.js';
import { type Suggestion, suggestLearningRate } from './suggest.js';

/** One step of a range test: the rate it trained at and its loss (raw and smoothed). */
export interface RangePoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

/** Options of {@link runRangeTest}. */
export interface RangeTestOptions {
  /** First learning rate (> 0). */
  start: number;
  /** Last learning rate (> start). */
  end: number;
  /** Steps of the ramp (integer >= 2); fewer run when the loss diverges. */
  steps: number;
  /**
   * Trains one step at learning rate `lr` (step `step` of the ramp) and returns the loss of
   * that step's batch, computed before the update (as a training loop logs it).
   */
  trainStep: (lr: number, step: number) => number | Promise<number>;
  /** Smoothing factor (default 0.98). */
  beta?: number;
  /** Stop once the smoothed loss exceeds this factor times the best one (default 4). */
  divergenceFactor?: number;
  /** Aborting ends the test after the current step, reason `'interrupted'`. */
  signal?: AbortSignal;
  /** Called after every step with its point. */
  onPoint?: (p: RangePoint) => void;
}

/** Outcome of {@link runRangeTest}. */
export interface RangeTestResult {
  points: RangePoint[];
  /** Step at which the test stopped early (its point is the last one); null when all ran. */
  stoppedAt: number | null;
  reason: StopReason;
  /** Steepest descent of the smoothed loss (see suggestLearningRate); null when there is none. */
  suggestion: Suggestion | null;
}

/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates", section 3.3): trains
 * step i at `start * (end / start) ** (i / (steps - 1))`, smooths the losses (bias-corrected
 * EMA), stops at the first non-finite loss or when the smoothed loss exceeds
 * `divergenceFactor` times its best, and suggests the rate of steepest descent. The point
 * that stopped the test is kept in `points`. Knows nothing of models: `trainStep` does the work.
 */
export async function runRangeTest(o: RangeTestOptions): Promise<RangeTestResult> {
  const smooth = createLossSmoother(o.beta ?? DEFAULT_BETA);
  const stop = createStopRule(o.divergenceFactor ?? DEFAULT_DIVERGENCE_FACTOR);
  const points: RangePoint[] = [];
  let reason: StopReason = 'completed';
  let stoppedAt: number | null = null;
  for (let step = 0; step < o.steps; step++) {
    if (o.signal?.aborted) {
      reason = 'interrupted';
      stoppedAt = step - 1 >= 0 ? step - 1 : null;
      break;
    }
    const lr = rampLearningRate(step, o.start, o.end, o.steps);
    const loss = await o.trainStep(lr, step);
    const smoothed = smooth(loss);
    const p = { step, lr, loss, smoothed };
    points.push(p);
    o.onPoint?.(p);
    const why = stop(loss, smoothed);
    if (why) {
      reason = why;
      stoppedAt = step;
      break;
    }
  }
  const suggestion = suggestLearningRate(
    points.map((p) => p.lr),
    points.map((p) => p.smoothed),
  );
  return { points, stoppedAt, reason, suggestion };
}
