/**
 * The learning rate of step `step` (0-based) of an exponential range test from `start` to
 * `end` over `steps` steps: `start * (end / start) ** (step / (steps - 1))`, so step 0 trains
 * at `start` and step `steps - 1` at `end` (up to float rounding). Callers validate the
 * arguments (`0 < start < end`, integer `steps >= 2`, `0 <= step < steps`).
 */
export function rampLearningRate(step: number, start: number, end: number, steps: number): number {
  return start * (end / start) ** (step / (steps - 1));
}
