/**
 * TF Object Detection API schedules (`object_detection/utils/learning_schedules.py`,
 * current TF2 semantics). `step` is TF's `global_step`.
 * @module
 */
import { powLn } from '../core/math.js';
import {
  isNum,
  isNumArray,
  optBoolean,
  optNumber,
  parseOptions,
  type Rule,
} from '../core/options.js';
import { defineSchedule, type Schedule } from '../core/schedule.js';
import { fail } from '../core/validate.js';

/** Options of {@link exponentialDecayWithBurnin}, named as in TF Object Detection API. */
export interface ExponentialDecayWithBurninOptions {
  /** Base learning rate after burn-in (finite). */
  learningRateBase: number;
  /** Steps per decay period (> 0), counted from the end of burn-in. */
  learningRateDecaySteps: number;
  /** Multiplicative decay per period (>= 0). */
  learningRateDecayFactor: number;
  /** Rate held during burn-in; 0 means "use `learningRateBase`". Default 0. */
  burninLearningRate?: number;
  /** Number of burn-in steps (integer >= 0). Default 0. */
  burninSteps?: number;
  /** Floor applied to every value, burn-in included. Default 0. */
  minLearningRate?: number;
  /** Decay in whole periods. Default true. */
  staircase?: boolean;
}

/** Options of {@link exponentialDecayWithWarmup}. */
export interface ExponentialDecayWithWarmupOptions {
  /** Learning rate at the end of warm-up (finite). */
  learningRateBase: number;
  /** Steps per decay period (> 0), counted from the end of warm-up. */
  learningRateDecaySteps: number;
  /** Multiplicative decay per period (>= 0). */
  learningRateDecayFactor: number;
  /** Rate at step 0 of the linear warm-up (<= `learningRateBase`). Default 0. */
  warmupLearningRate?: number;
  /** Warm-up length (integer > 0; TF OD API's default 0 raises, and so does this). Default 0. */
  warmupSteps?: number;
  /** Floor of the decayed rate (not applied during warm-up). Default 0. */
  minLearningRate?: number;
  /** Decay in whole periods. Default true. */
  staircase?: boolean;
}

/** Options of {@link cosineDecayWithWarmup}. */
export interface CosineDecayWithWarmupOptions {
  /** Peak learning rate (finite, >= `warmupLearningRate`). */
  learningRateBase: number;
  /** Step after which the rate is 0 (integer >= `warmupSteps`). */
  totalSteps: number;
  /** Rate at step 0 of the linear warm-up. Default 0. */
  warmupLearningRate?: number;
  /** Warm-up length (integer >= 0). Default 0. */
  warmupSteps?: number;
  /** Steps to hold `learningRateBase` after warm-up (integer >= 0). Default 0. */
  holdBaseRateSteps?: number;
}

/** Options of {@link manualStepping}. */
export interface ManualSteppingOptions {
  /** Steps at which the rate switches: strictly increasing integers > 0. */
  boundaries: number[];
  /** `boundaries.length + 1` rates. */
  rates: number[];
  /** Interpolate linearly from `rates[0]` to `rates[1]` over `[0, boundaries[0])`. Default false. */
  warmup?: boolean;
}

/**
 * The rules both exponential decays share, `start` (their burn-in or warm-up options) in the
 * middle: the key order is that of the spec and of the known-options list. A function, so that
 * nothing runs at load.
 */
function decayRules<R extends Record<string, Rule<unknown>>>(start: R) {
  return {
    learningRateBase: isNum(),
    learningRateDecaySteps: isNum({ gt: 0 }),
    learningRateDecayFactor: isNum({ min: 0 }),
    ...start,
    minLearningRate: optNumber(0),
    staircase: optBoolean(true),
  };
}

/**
 * TF OD API `exponential_decay_with_burnin`: `burninLearningRate` (or `learningRateBase`
 * when it is 0) for steps `[0, burninSteps)`, then
 * `learningRateBase * factor ** ((step - burninSteps) / decaySteps)` (exponent floored when
 * `staircase`); every value, burn-in included, is raised to at least `minLearningRate`.
 * @example
 * exponentialDecayWithBurnin({ learningRateBase: 1, learningRateDecaySteps: 3,
 *   learningRateDecayFactor: 0.1, burninLearningRate: 0.5, burninSteps: 2, minLearningRate: 0.05 })
 * // steps 0..8: .5 .5 1 1 1 .1 .1 .1 .05
 */
export function exponentialDecayWithBurnin(options: ExponentialDecayWithBurninOptions): Schedule {
  const ctx = 'tfod.exponentialDecayWithBurnin';
  const spec = parseOptions(
    ctx,
    options,
    decayRules({
      burninLearningRate: optNumber(0),
      burninSteps: optNumber(0, { int: true, min: 0 }),
    }),
  );
  const {
    learningRateBase,
    learningRateDecaySteps,
    learningRateDecayFactor,
    burninLearningRate,
    burninSteps,
    minLearningRate,
    staircase,
  } = spec;
  const ln = Math.log(learningRateDecayFactor);
  const burnin = Math.max(
    burninLearningRate === 0 ? learningRateBase : burninLearningRate,
    minLearningRate,
  );
  return defineSchedule(ctx, spec, (step) => {
    if (step < burninSteps) return burnin;
    let p = (step - burninSteps) / learningRateDecaySteps;
    if (staircase) p = Math.floor(p);
    const v = learningRateBase * powLn(ln, p);
    return Math.max(v, minLearningRate);
  });
}

/**
 * TF OD API `exponential_decay_with_warmup`: linear from `warmupLearningRate` (step 0)
 * towards `learningRateBase` for `step < warmupSteps`, then
 * `max(learningRateBase * factor ** ((step - warmupSteps) / decaySteps), minLearningRate)`.
 * Throws at construction where TF OD API raises at every call: `warmupSteps` 0 (its default)
 * and `warmupLearningRate > learningRateBase`.
 */
export function exponentialDecayWithWarmup(options: ExponentialDecayWithWarmupOptions): Schedule {
  const ctx = 'tfod.exponentialDecayWithWarmup';
  const spec = parseOptions(
    ctx,
    options,
    decayRules({
      warmupLearningRate: optNumber(0),
      warmupSteps: optNumber(0, { int: true, min: 0 }),
    }),
  );
  const {
    learningRateBase,
    learningRateDecaySteps,
    learningRateDecayFactor,
    warmupLearningRate,
    warmupSteps,
    minLearningRate,
    staircase,
  } = spec;
  // TF OD API raises on every call here: it divides by warmup_steps (also for its own default
  // 0) and checks the warm-up rate against the base rate.
  if (warmupSteps === 0) {
    fail(
      ctx,
      'warmupSteps',
      warmupSteps,
      'an integer > 0 (TF OD API divides by warmup_steps: ZeroDivisionError at every call)',
    );
  }
  if (warmupLearningRate > learningRateBase) {
    fail(
      ctx,
      'warmupLearningRate',
      warmupLearningRate,
      `<= learningRateBase (${learningRateBase}) (TF OD API raises ValueError at every call)`,
    );
  }
  const slope = (learningRateBase - warmupLearningRate) / warmupSteps;
  const lnW = Math.log(learningRateDecayFactor);
  return defineSchedule(ctx, spec, (step) => {
    if (step < warmupSteps) return warmupLearningRate + slope * step;
    let p = (step - warmupSteps) / learningRateDecaySteps;
    if (staircase) p = Math.floor(p);
    const v = learningRateBase * powLn(lnW, p);
    return Math.max(v, minLearningRate);
  });
}

/**
 * TF OD API `cosine_decay_with_warmup`: linear warm-up from `warmupLearningRate` for
 * `step < warmupSteps`, `learningRateBase` held through step `warmupSteps + holdBaseRateSteps`,
 * then `0.5 * base * (1 + cos(pi * (step - warmupSteps - hold) / (totalSteps - warmupSteps - hold)))`,
 * and 0 for `step > totalSteps`. Throws where TF raises (`warmupLearningRate > learningRateBase`
 * with `warmupSteps > 0`, `totalSteps < warmupSteps`); with no warm-up the warm-up rate is unused
 * and not checked, as in TF. Where TF yields NaN (`totalSteps === warmupSteps` with no hold,
 * at `step === totalSteps`) this returns `learningRateBase`.
 */
export function cosineDecayWithWarmup(options: CosineDecayWithWarmupOptions): Schedule {
  const ctx = 'tfod.cosineDecayWithWarmup';
  const spec = parseOptions(ctx, options, {
    learningRateBase: isNum(),
    totalSteps: isNum({ int: true, min: 0 }),
    warmupLearningRate: optNumber(0),
    warmupSteps: optNumber(0, { int: true, min: 0 }),
    holdBaseRateSteps: optNumber(0, { int: true, min: 0 }),
  });
  const { learningRateBase, totalSteps, warmupLearningRate, warmupSteps, holdBaseRateSteps } = spec;
  // TF OD API checks the warm-up rate only when there is a warm-up.
  if (warmupSteps > 0 && learningRateBase < warmupLearningRate) {
    fail(
      ctx,
      'warmupLearningRate',
      warmupLearningRate,
      `<= learningRateBase (${learningRateBase})`,
    );
  }
  if (totalSteps < warmupSteps)
    fail(ctx, 'totalSteps', totalSteps, `>= warmupSteps (${warmupSteps})`);
  const slope = warmupSteps > 0 ? (learningRateBase - warmupLearningRate) / warmupSteps : 0;
  const start = warmupSteps + holdBaseRateSteps;
  const span = totalSteps - start;
  return defineSchedule(ctx, spec, (step) => {
    if (step > totalSteps) return 0;
    if (step < warmupSteps) return warmupLearningRate + slope * step;
    if (step <= start) {
      if (holdBaseRateSteps > 0 || span <= 0) return learningRateBase;
    }
    return 0.5 * learningRateBase * (1 + Math.cos((Math.PI * (step - start)) / span));
  });
}

/**
 * TF OD API `manual_stepping`: `rates[i]` where `i` is the number of boundaries `<= step`.
 * With `warmup`, steps before `boundaries[0]` get `rates[0] + (rates[1] - rates[0]) * floor(step) / boundaries[0]`.
 * @example manualStepping({ boundaries: [2, 3, 7], rates: [1, 2, 3, 4] }) // 1 1 2 3 3 3 3 4 ...
 */
export function manualStepping(options: ManualSteppingOptions): Schedule {
  const ctx = 'tfod.manualStepping';
  const spec = parseOptions(ctx, options, {
    boundaries: isNumArray({ int: true, gt: 0 }, 'increasing'),
    rates: isNumArray(),
    warmup: optBoolean(false),
  });
  const { boundaries, rates, warmup } = spec;
  if (rates.length !== boundaries.length + 1) {
    fail(ctx, 'rates', rates, `an array of boundaries.length + 1 = ${boundaries.length + 1} rates`);
  }
  const n = boundaries.length;
  const ramp = warmup && n > 0;
  const b0 = n > 0 ? boundaries[0] : 0;
  const slope = ramp ? (rates[1] - rates[0]) / b0 : 0;
  const r0 = rates[0];
  return defineSchedule(ctx, spec, (step) => {
    if (ramp && step < b0) return r0 + slope * Math.floor(step);
    // Inline, not indexAtStep: bench/run.mjs measured this lookup 8-15% slower through the shared helper.
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return rates[i];
  });
}
