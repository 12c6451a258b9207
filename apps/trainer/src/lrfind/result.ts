import type { TrainConfig } from '../config.js';
import type { RangePoint, RangeTestResult } from './range-test.js';
import type { StopReason } from './stop.js';

/**
 * Contents of `lr-find.json`. `loss` / `smoothed` of a point are null where the value was NaN
 * or infinite (JSON has no such numbers; the test stops at the first one, reason
 * `'non-finite'`). `suggestedLr` is null when the curve gives none (too few points, or the
 * loss never fell).
 */
export interface LrFindFile {
  config: TrainConfig;
  start: number;
  end: number;
  steps: number;
  backend: string;
  threads: number;
  beta: number;
  divergenceFactor: number;
  points: { step: number; lr: number; loss: number | null; smoothed: number | null }[];
  stoppedAt: number | null;
  reason: StopReason;
  suggestedLr: number | null;
  /** Step of the suggested point, null with `suggestedLr`. */
  suggestedStep: number | null;
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** The `lr-find.json` object of a finished range test. */
export function lrFindFile(
  r: RangeTestResult,
  o: Omit<LrFindFile, 'points' | 'stoppedAt' | 'reason' | 'suggestedLr' | 'suggestedStep'>,
): LrFindFile {
  return {
    ...o,
    points: r.points.map((p: RangePoint) => ({
      step: p.step,
      lr: p.lr,
      loss: finiteOrNull(p.loss),
      smoothed: finiteOrNull(p.smoothed),
    })),
    stoppedAt: r.stoppedAt,
    reason: r.reason,
    suggestedLr: r.suggestion?.lr ?? null,
    suggestedStep: r.suggestion?.index ?? null,
  };
}

/** One line saying how the test ended, e.g. `diverged at step 143 (lr 0.21)`. */
export function describeStop(f: LrFindFile): string {
  const last = f.points[f.points.length - 1];
  const at = last ? ` at step ${last.step} (lr ${last.lr.toPrecision(3)})` : '';
  switch (f.reason) {
    case 'completed':
      return `completed all ${f.steps} steps${at}`;
    case 'diverged':
      return `stopped: the smoothed loss exceeded ${f.divergenceFactor}x its best${at}`;
    case 'non-finite':
      return `stopped: the loss became NaN or infinite${at}`;
    case 'interrupted':
      return `interrupted${at}`;
  }
}

/** Below this relative fall of the smoothed loss the suggestion is flagged as unreliable. */
export const WEAK_DROP = 0.05;

/**
 * How far the smoothed loss fell over the test: `1 - min / first`, with `first` the smoothed
 * loss at step 10 (the first point the suggestion looks at) and `min` the lowest finite one
 * from there on; null with fewer than 11 points or a non-positive first value.
 */
export function smoothedDrop(f: LrFindFile): number | null {
  const first = f.points[10]?.smoothed;
  if (first == null || !(first > 0)) return null;
  let min = first;
  for (const p of f.points.slice(10)) if (p.smoothed !== null && p.smoothed < min) min = p.smoothed;
  return 1 - min / first;
}
