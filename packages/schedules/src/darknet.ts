/**
 * darknet's learning-rate policies (`get_current_rate` in `src/network.c`; `sgdr` from the
 * AlexeyAB fork). `step` is darknet's batch number (`get_current_batch`).
 * @module
 */
import { powLn, powNonNeg } from './math.js';
import { badStep, defineSchedule, type Schedule } from './schedule.js';
import { fail, keys, num, numArray, oneOf, optNum } from './validate.js';

/** darknet `policy=` values supported (`random` is not: it is not a function of the step). */
export type DarknetPolicy = 'constant' | 'step' | 'steps' | 'exp' | 'poly' | 'sig' | 'sgdr';

/** Options of {@link schedule}, named after the `[net]` section keys of a `.cfg` file. */
export interface DarknetScheduleOptions {
  /** `learning_rate`. */
  learningRate: number;
  /** `burn_in`: length of the ramp `learningRate * (step / burnIn) ** power` (integer >= 0). Default 0. */
  burnIn?: number;
  /** `power`: exponent of the burn-in ramp and of `poly` (>= 0). Default 4. */
  power?: number;
  /** `policy`. Default `'constant'`. */
  policy?: DarknetPolicy;
  /** `step` (policy `step`, integer > 0; policy `sig`: the midpoint). Default 1. */
  step?: number;
  /** `scale` (policy `step`). Default 1. */
  scale?: number;
  /** `steps` (policy `steps`): non-decreasing integer steps >= 0. */
  steps?: number[];
  /** `scales` (policy `steps`): one factor per entry of `steps`. */
  scales?: number[];
  /** `gamma` (policies `exp` and `sig`). Default 1. */
  gamma?: number;
  /** `max_batches` (policy `poly`, integer > 0; default length of an `sgdr` cycle). */
  maxBatches?: number;
  /** `sgdr_cycle`: first cycle length (integer > 0). Default `maxBatches`. */
  sgdrCycle?: number;
  /** `sgdr_mult`: cycle length multiplier (integer >= 1). Default 2. */
  sgdrMult?: number;
  /** `learning_rate_min` (policy `sgdr`). Default 0.00001. */
  learningRateMin?: number;
}

/** darknet writes pi as this literal in its sgdr policy. */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: darknet's own constant, kept for exactness
const DARKNET_PI = 3.14159265;

const POLICIES = ['constant', 'step', 'steps', 'exp', 'poly', 'sig', 'sgdr'] as const;

/**
 * darknet's learning rate at batch `step`: during burn-in (`step < burnIn`)
 * `learningRate * (step / burnIn) ** power`, then the policy:
 * - `constant`: `learningRate`
 * - `step`: `learningRate * scale ** floor(step / stepSize)`
 * - `steps`: `learningRate` times every `scales[i]` with `steps[i] <= step`
 * - `exp`: `learningRate * gamma ** step`
 * - `poly`: `learningRate * (1 - step / maxBatches) ** power` (a `ScheduleStepError` past `maxBatches`, where darknet stops)
 * - `sig`: `learningRate / (1 + exp(gamma * (step - stepOption)))`
 * - `sgdr`: cosine from `learningRate` to `learningRateMin` over cycles of `sgdrCycle * sgdrMult ** i` batches
 *   (a cycle restarts after, not at, its last batch, and darknet's `3.14159265` is used for pi)
 * @example schedule({ learningRate: 0.001, burnIn: 1000, policy: 'steps', steps: [400000, 450000], scales: [0.1, 0.1] })
 */
export function schedule(options: DarknetScheduleOptions): Schedule {
  const ctx = 'darknet.schedule';
  const o = keys(ctx, options, [
    'learningRate',
    'burnIn',
    'power',
    'policy',
    'step',
    'scale',
    'steps',
    'scales',
    'gamma',
    'maxBatches',
    'sgdrCycle',
    'sgdrMult',
    'learningRateMin',
  ]);
  const learningRate = num(ctx, 'learningRate', o.learningRate);
  const burnIn = optNum(ctx, 'burnIn', o.burnIn, 0, { int: true, min: 0 });
  const power = optNum(ctx, 'power', o.power, 4, { min: 0 });
  const policy = oneOf(ctx, 'policy', o.policy, POLICIES, 'constant');
  const spec: Record<string, unknown> = { learningRate, burnIn, power, policy };
  // One closure per policy (monomorphic, allocation-free); burn-in checked inline in each.
  const def = (fn: (step: number) => number) => defineSchedule(ctx, spec, fn);
  switch (policy) {
    case 'constant':
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate;
      });
    case 'step': {
      const stepSize = optNum(ctx, 'step', o.step, 1, { int: true, gt: 0 });
      const scale = optNum(ctx, 'scale', o.scale, 1, { min: 0 });
      Object.assign(spec, { step: stepSize, scale });
      let lastK = 0;
      let lastV = learningRate;
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        const k = Math.floor(b / stepSize);
        if (k !== lastK) {
          lastK = k;
          lastV = learningRate * scale ** k;
        }
        return lastV;
      });
    }
    case 'steps': {
      const steps = numArray(ctx, 'steps', o.steps ?? [], { int: true, min: 0 }, 'nondecreasing');
      const scales = numArray(ctx, 'scales', o.scales ?? [], { min: 0 });
      if (scales.length !== steps.length)
        fail(ctx, 'scales', scales, `an array of steps.length = ${steps.length} numbers`);
      Object.assign(spec, { steps, scales });
      const n = steps.length;
      const values = [learningRate];
      for (const s of scales) values.push(values[values.length - 1] * s);
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        let i = 0;
        while (i < n && steps[i] <= b) i++;
        return values[i];
      });
    }
    case 'exp': {
      const gamma = optNum(ctx, 'gamma', o.gamma, 1, { min: 0 });
      spec.gamma = gamma;
      const ln = Math.log(gamma);
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate * powLn(ln, b);
      });
    }
    case 'poly': {
      const maxBatches = num(ctx, 'maxBatches', o.maxBatches, { int: true, gt: 0 });
      spec.maxBatches = maxBatches;
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        if (b > maxBatches)
          badStep(ctx, b, `a finite number in [0, maxBatches = ${maxBatches}] (policy poly)`);
        return learningRate * powNonNeg(1 - b / maxBatches, power);
      });
    }
    case 'sig': {
      const mid = optNum(ctx, 'step', o.step, 1);
      const gamma = optNum(ctx, 'gamma', o.gamma, 1);
      Object.assign(spec, { step: mid, gamma });
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate * (1 / (1 + Math.exp(gamma * (b - mid))));
      });
    }
    case 'sgdr': {
      const maxBatches =
        o.maxBatches === undefined
          ? undefined
          : num(ctx, 'maxBatches', o.maxBatches, { int: true, gt: 0 });
      if (o.sgdrCycle === undefined && maxBatches === undefined)
        fail(ctx, 'sgdrCycle', undefined, 'an integer > 0 (or give maxBatches)');
      const cycle =
        o.sgdrCycle === undefined
          ? (maxBatches as number)
          : num(ctx, 'sgdrCycle', o.sgdrCycle, { int: true, gt: 0 });
      const mult = optNum(ctx, 'sgdrMult', o.sgdrMult, 2, { int: true, min: 1 });
      const lrMin = optNum(ctx, 'learningRateMin', o.learningRateMin, 0.00001);
      Object.assign(spec, { maxBatches, sgdrCycle: cycle, sgdrMult: mult, learningRateMin: lrMin });
      // Cycle cache: the cycle (start, start + size] darknet's loop found for the last step.
      let start = 0;
      let size = cycle;
      return def((b) => {
        if (!(b >= 0 && b < Infinity)) badStep(ctx, b);
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        if (!((b > start || start === 0) && b <= start + size)) {
          start = 0;
          size = cycle;
          if (mult === 1) {
            if (b > size) start = (Math.ceil(b / size) - 1) * size;
          } else {
            while (start + size < b) {
              start += size;
              size *= mult;
            }
          }
        }
        return (
          lrMin + 0.5 * (learningRate - lrMin) * (1 + Math.cos(((b - start) * DARKNET_PI) / size))
        );
      });
    }
  }
}
