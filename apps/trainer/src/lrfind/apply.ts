import YAML from 'yaml';
import { defaultSchedule } from '../config.js';

/** Significant digits of the suggested rate in the `--apply` block. */
const DIGITS = 3;

/**
 * The `train.schedule` options of the default schedule (`defaultSchedule(steps)`:
 * `tfod.exponentialDecayWithBurnin`) with its base rate replaced by `lr` (rounded to 3
 * significant digits) and its burn-in rate and floor scaled by the same factor, so the shape
 * is the default one: burn-in at a tenth of the base for the first 5% of the steps, halved
 * every quarter of the run, floor 1/80 of the base.
 */
export function appliedScheduleSpec(
  lr: number,
  steps: number,
): { type: string; options: Record<string, number | boolean> } {
  const spec = defaultSchedule(steps).spec;
  const o = spec.options as Record<string, number | boolean>;
  const base = Number(lr.toPrecision(DIGITS));
  const scale = base / (o.learningRateBase as number);
  const r = (v: number) => Number((v * scale).toPrecision(DIGITS));
  return {
    type: spec.type,
    options: {
      ...o,
      learningRateBase: base,
      burninLearningRate: r(o.burninLearningRate as number),
      minLearningRate: r(o.minLearningRate as number),
    },
  };
}

/** The YAML block `--apply` prints: `train.schedule` from {@link appliedScheduleSpec}. */
export function applyBlock(lr: number, steps: number): string {
  return YAML.stringify({ train: { schedule: appliedScheduleSpec(lr, steps) } });
}
