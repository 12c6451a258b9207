/**
 * Keras 3 `keras.optimizers.schedules` (same semantics as `tf.keras` 2.x). `step` is the
 * optimizer's `iterations`.
 * @module
 */
import { powLn, powNonNeg } from '../core/math.js';
import {
  isNum,
  isNumArray,
  numOrNull,
  optBoolean,
  optNumber,
  parseOptions,
  sizedBy,
} from '../core/options.js';
import { defineSchedule, type Schedule } from '../core/schedule.js';

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Steps per decay period (> 0). */
  decaySteps: number;
  /** Factor per period (>= 0). */
  decayRate: number;
  /** Decay in whole periods. Default false. */
  staircase?: boolean;
}

/** Options of {@link piecewiseConstantDecay}. */
export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing integer steps >= 0. */
  boundaries: number[];
  /** `boundaries.length + 1` values. */
  values: number[];
}

/** Options of {@link polynomialDecay}. */
export interface PolynomialDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Length of the decay (> 0). */
  decaySteps: number;
  /** Final learning rate. Default 0.0001. */
  endLearningRate?: number;
  /** Exponent (>= 0). Default 1. */
  power?: number;
  /** Restart with a longer period (`decaySteps * ceil(step / decaySteps)`) after the end. Default false. */
  cycle?: boolean;
}

/** Options of {@link inverseTimeDecay}. */
export interface InverseTimeDecayOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Steps per unit of decay time (> 0). */
  decaySteps: number;
  /** Decay rate (>= 0). */
  decayRate: number;
  /** Floor `step / decaySteps`. Default false. */
  staircase?: boolean;
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Learning rate at step 0 (start of the warm-up when `warmupTarget` is set). */
  initialLearningRate: number;
  /** Length of the cosine decay (> 0), after the warm-up. */
  decaySteps: number;
  /** Final fraction of the peak rate. Default 0. */
  alpha?: number;
  /** Peak rate reached after the warm-up; `null`/absent means no warm-up. */
  warmupTarget?: number | null;
  /** Warm-up length (>= 0). Default 0. */
  warmupSteps?: number;
}

/** Options of {@link cosineDecayRestarts}. */
export interface CosineDecayRestartsOptions {
  /** Learning rate at step 0. */
  initialLearningRate: number;
  /** Length of the first period (> 0). */
  firstDecaySteps: number;
  /** Period length multiplier (>= 1; Keras yields NaN past the finite total for values < 1). Default 2. */
  tMul?: number;
  /** Peak multiplier per restart (>= 0). Default 1. */
  mMul?: number;
  /** Final fraction of each period's peak. Default 0. */
  alpha?: number;
}

/** The options `ExponentialDecay` and `InverseTimeDecay` share (a function: nothing runs at load). */
function decayRules() {
  return {
    initialLearningRate: isNum(),
    decaySteps: isNum({ gt: 0 }),
    decayRate: isNum({ min: 0 }),
    staircase: optBoolean(false),
  };
}

/** `ExponentialDecay`: `initialLearningRate * decayRate ** (step / decaySteps)` (exponent floored when `staircase`). */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const spec = parseOptions('keras.exponentialDecay', options, decayRules());
  const { initialLearningRate, decaySteps, decayRate, staircase } = spec;
  const ln = Math.log(decayRate);
  return defineSchedule('keras.exponentialDecay', spec, (step) => {
    const p = step / decaySteps;
    return initialLearningRate * powLn(ln, staircase ? Math.floor(p) : p);
  });
}

/**
 * `PiecewiseConstantDecay`: `values[0]` for `step <= boundaries[0]`, `values[i]` for
 * `boundaries[i-1] < step <= boundaries[i]`, the last value after the last boundary
 * (note: the switch happens one step AFTER the boundary).
 */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): Schedule {
  const ctx = 'keras.piecewiseConstantDecay';
  const spec = parseOptions(ctx, options, {
    boundaries: isNumArray({ int: true, min: 0 }, 'increasing'),
    values: sizedBy('boundaries', 1, 'values', isNumArray()),
  });
  const { boundaries, values } = spec;
  return defineSchedule(ctx, spec, (step) => {
    // Inline, not indexPastStep: bench/run.mjs measured this lookup 12-16% slower through the shared helper.
    let i = 0;
    while (i < boundaries.length && step > boundaries[i]) i++;
    return values[i];
  });
}

/**
 * `PolynomialDecay`: `(initial - end) * (1 - s / d) ** power + end` with `s = min(step, decaySteps)`,
 * or with `cycle` `s = step` and `d = decaySteps * ceil(step / decaySteps)` (1 period at step 0).
 */
export function polynomialDecay(options: PolynomialDecayOptions): Schedule {
  const spec = parseOptions('keras.polynomialDecay', options, {
    initialLearningRate: isNum(),
    decaySteps: isNum({ gt: 0 }),
    endLearningRate: optNumber(0.0001),
    power: optNumber(1, { min: 0 }),
    cycle: optBoolean(false),
  });
  const { initialLearningRate, decaySteps, endLearningRate, power, cycle } = spec;
  const span = initialLearningRate - endLearningRate;
  return defineSchedule('keras.polynomialDecay', spec, (step) => {
    let p: number;
    if (cycle) {
      // Keras uses 1 at step 0; max() also covers tiny steps whose ratio rounds to 0.
      const mult = Math.max(1, Math.ceil(step / decaySteps));
      p = step / (decaySteps * mult);
    } else {
      p = step < decaySteps ? step / decaySteps : 1;
    }
    return span * powNonNeg(1 - p, power) + endLearningRate;
  });
}

/** `InverseTimeDecay`: `initialLearningRate / (1 + decayRate * step / decaySteps)` (ratio floored when `staircase`). */
export function inverseTimeDecay(options: InverseTimeDecayOptions): Schedule {
  const spec = parseOptions('keras.inverseTimeDecay', options, decayRules());
  const { initialLearningRate, decaySteps, decayRate, staircase } = spec;
  return defineSchedule('keras.inverseTimeDecay', spec, (step) => {
    const p = step / decaySteps;
    return initialLearningRate / (1 + decayRate * (staircase ? Math.floor(p) : p));
  });
}

/**
 * `CosineDecay`: optional linear warm-up from `initialLearningRate` to `warmupTarget` over
 * `warmupSteps`, then `peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decaySteps)) + alpha)` with
 * `s` clamped to `decaySteps` (peak = `warmupTarget` if set, else `initialLearningRate`).
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const spec = parseOptions('keras.cosineDecay', options, {
    initialLearningRate: isNum(),
    decaySteps: isNum({ gt: 0 }),
    alpha: optNumber(0),
    warmupTarget: numOrNull(),
    warmupSteps: optNumber(0, { min: 0 }),
  });
  const { initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps } = spec;
  const peak = warmupTarget ?? initialLearningRate;
  const w = warmupTarget === null ? 0 : warmupSteps;
  const slope = w > 0 ? (peak - initialLearningRate) / w : 0;
  return defineSchedule('keras.cosineDecay', spec, (step) => {
    if (step < w) return initialLearningRate + slope * step;
    const s = Math.min(step - w, decaySteps);
    return peak * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * s) / decaySteps)) + alpha);
  });
}

/** Index `i` of the period containing fraction `f`: `start(i) <= f < start(i + 1)`, `start(i) = (t^i - 1) / (t - 1)`. */
function restartIndex(f: number, t: number, logT: number): number {
  let i = Math.floor(Math.log(1 - f * (1 - t)) / logT);
  // Exact correction of the log rounding at period boundaries.
  while ((t ** (i + 1) - 1) / (t - 1) <= f) i++;
  while (i > 0 && (t ** i - 1) / (t - 1) > f) i--;
  return i;
}

/**
 * `CosineDecayRestarts` (SGDR): period `i` lasts `firstDecaySteps * tMul ** i` steps and peaks
 * at `initialLearningRate * mMul ** i`. Restart indices are computed exactly (no `log` rounding
 * at period boundaries).
 */
export function cosineDecayRestarts(options: CosineDecayRestartsOptions): Schedule {
  const spec = parseOptions('keras.cosineDecayRestarts', options, {
    initialLearningRate: isNum(),
    firstDecaySteps: isNum({ gt: 0 }),
    tMul: optNumber(2, { min: 1 }),
    mMul: optNumber(1, { min: 0 }),
    alpha: optNumber(0),
  });
  const { initialLearningRate, firstDecaySteps, tMul, mMul, alpha } = spec;
  const logT = Math.log(tMul);
  // Period cache: period i covers completed fractions [lo, hi); peak factor fac = mMul ** i.
  let lo = 0;
  let hi = 1;
  let len = 1;
  let fac = 1;
  return defineSchedule('keras.cosineDecayRestarts', spec, (step) => {
    const f = step / firstDecaySteps;
    if (!(f >= lo && f < hi)) {
      const i = tMul === 1 ? Math.floor(f) : restartIndex(f, tMul, logT);
      len = tMul === 1 ? 1 : tMul ** i;
      lo = tMul === 1 ? i : (len - 1) / (tMul - 1);
      hi = tMul === 1 ? i + 1 : (tMul ** (i + 1) - 1) / (tMul - 1);
      fac = mMul ** i;
    }
    const cosineDecayed = 0.5 * fac * (1 + Math.cos((Math.PI * (f - lo)) / len));
    return initialLearningRate * ((1 - alpha) * cosineDecayed + alpha);
  });
}
