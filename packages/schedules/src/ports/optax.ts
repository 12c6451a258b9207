/**
 * optax schedules (`optax.schedules`, 0.2.x). `step` is optax's `count`.
 * @module
 */

import { join } from '../core/combinators.js';
import { annealCos, annealLinear, powLn, powNonNeg } from '../core/math.js';
import {
  isNum,
  isNumArray,
  isOneOf,
  isScheduleArray,
  numOrNull,
  optBoolean,
  optNumber,
  parseOptions,
  type Rule,
} from '../core/options.js';
import { defineSchedule, type Schedule } from '../core/schedule.js';
import { fail, num } from '../core/validate.js';

/** Options of {@link constantSchedule}. */
export interface ConstantScheduleOptions {
  /** The value at every step. */
  value: number;
}

/** Options of {@link polynomialSchedule}. */
export interface PolynomialScheduleOptions {
  /** Value until `transitionBegin`. */
  initValue: number;
  /** Value from `transitionBegin + transitionSteps` on. */
  endValue: number;
  /** Exponent (>= 0). */
  power: number;
  /** Length of the transition (integer >= 0; 0 gives the constant `initValue`, as optax). */
  transitionSteps: number;
  /** Steps before the transition starts (integer >= 0). Default 0. */
  transitionBegin?: number;
}

/** Options of {@link warmupConstantSchedule}. */
export interface WarmupConstantScheduleOptions {
  /** Value at step 0. */
  initValue: number;
  /** Value from `warmupSteps` on. */
  peakValue: number;
  /** Length of the linear warm-up (integer >= 0; 0 gives the constant `initValue`, as optax). */
  warmupSteps: number;
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Value until `transitionBegin`. */
  initValue: number;
  /** Steps per factor (integer >= 0; 0 gives the constant `initValue`, as optax). */
  transitionSteps: number;
  /** Factor per `transitionSteps` (>= 0; 0 gives the constant `initValue`, as optax). */
  decayRate: number;
  /** Steps before the decay starts (integer >= 0). Default 0. */
  transitionBegin?: number;
  /** Decay in whole periods. Default false. */
  staircase?: boolean;
  /** Bound: a floor when `decayRate < 1`, a ceiling otherwise (applied at every step). */
  endValue?: number | null;
}

/** Options of {@link cosineDecaySchedule}. */
export interface CosineDecayScheduleOptions {
  /** Value at step 0. */
  initValue: number;
  /** Length of the decay (integer > 0). */
  decaySteps: number;
  /** Final fraction of `initValue`. Default 0. */
  alpha?: number;
  /** Exponent of the cosine factor (> 0). Default 1. */
  exponent?: number;
}

/** Options of {@link warmupCosineDecaySchedule}. */
export interface WarmupCosineDecayScheduleOptions {
  /** Value at step 0. */
  initValue: number;
  /** Value at the end of the warm-up. */
  peakValue: number;
  /** Warm-up length (integer >= 0). */
  warmupSteps: number;
  /** Total length including the warm-up (integer > `warmupSteps`). */
  decaySteps: number;
  /** Final value. Default 0. */
  endValue?: number;
  /** Exponent of the cosine factor (> 0). Default 1. */
  exponent?: number;
}

/** Options of {@link warmupExponentialDecaySchedule}. */
export interface WarmupExponentialDecayScheduleOptions {
  /** Value at step 0. */
  initValue: number;
  /** Value at the end of the warm-up. */
  peakValue: number;
  /** Warm-up length (integer >= 0). */
  warmupSteps: number;
  /** See {@link exponentialDecay}. */
  transitionSteps: number;
  /** See {@link exponentialDecay}. */
  decayRate: number;
  /** Steps after the warm-up before the decay starts. Default 0. */
  transitionBegin?: number;
  /** Default false. */
  staircase?: boolean;
  /** Bound of the decay, see {@link exponentialDecay}. */
  endValue?: number | null;
}

/** Options of {@link piecewiseConstantSchedule}. */
export interface PiecewiseConstantScheduleOptions {
  /** Value before the first boundary. */
  initValue: number;
  /** `{ step: scale }`: from `step` on, the value is multiplied by `scale` (>= 0). Keys are integer steps >= 0. */
  boundariesAndScales?: Record<string | number, number> | null;
}

/** Options of {@link piecewiseInterpolateSchedule}. */
export interface PiecewiseInterpolateScheduleOptions {
  /** `'linear'` or `'cosine'`. */
  interpolateType: 'linear' | 'cosine';
  /** Value at step 0. */
  initValue: number;
  /** `{ step: scale }` knots (integer steps >= 0; scales >= 0): the value at each knot is the previous one times `scale`. */
  boundariesAndScales?: Record<string | number, number> | null;
}

/** Options of {@link linearOnecycleSchedule}. */
export interface LinearOnecycleScheduleOptions {
  /** Total length (integer > 0). */
  transitionSteps: number;
  /** Peak value. */
  peakValue: number;
  /** Fraction of steps rising to the peak, in [0, 1]. Default 0.3. */
  pctStart?: number;
  /** Fraction of steps at which the value is back to the start value, in [0, 1]. Default 0.85. */
  pctFinal?: number;
  /** Start value is `peakValue / divFactor` (> 0). Default 25. */
  divFactor?: number;
  /** Final value is the start value `/ finalDivFactor` (> 0). Default 1e4. */
  finalDivFactor?: number;
}

/** Options of {@link sgdrSchedule}. */
export interface SgdrScheduleOptions {
  /** One {@link warmupCosineDecaySchedule} option object per cycle (at least one). */
  cosineKwargs: WarmupCosineDecayScheduleOptions[];
}

/** Options of {@link joinSchedules}. */
export interface JoinSchedulesOptions {
  /** At least one schedule. */
  schedules: Schedule[];
  /** `schedules.length - 1` non-decreasing steps. */
  boundaries: number[];
}

/** `constant_schedule`. */
export function constantSchedule(options: ConstantScheduleOptions): Schedule {
  const spec = parseOptions('optax.constantSchedule', options, { value: isNum() });
  const { value } = spec;
  return defineSchedule('optax.constantSchedule', spec, () => value);
}

/** The transition options optax's polynomial, linear and exponential schedules share. */
function transition() {
  return {
    transitionSteps: isNum({ int: true, min: 0 }),
    transitionBegin: optNumber(0, { int: true, min: 0 }),
  };
}

function poly(
  ctx: string,
  spec: LinearScheduleOptions & { transitionBegin: number },
  power: number,
): Schedule {
  const { initValue, endValue, transitionSteps, transitionBegin } = spec;
  const span = initValue - endValue;
  return defineSchedule(ctx, spec, (step) => {
    if (transitionSteps === 0) return initValue;
    let c = step - transitionBegin;
    c = c < 0 ? 0 : Math.min(c, transitionSteps);
    return span * powNonNeg(1 - c / transitionSteps, power) + endValue;
  });
}

/** `polynomial_schedule`: `(init - end) * (1 - clip(step - begin, 0, steps) / steps) ** power + end`. */
export function polynomialSchedule(options: PolynomialScheduleOptions): Schedule {
  const ctx = 'optax.polynomialSchedule';
  const spec = parseOptions(ctx, options, {
    initValue: isNum(),
    endValue: isNum(),
    power: isNum({ min: 0 }),
    ...transition(),
  });
  return poly(ctx, spec, spec.power);
}

/** Options of {@link linearSchedule}. */
export type LinearScheduleOptions = Omit<PolynomialScheduleOptions, 'power'>;

/** `linear_schedule`: {@link polynomialSchedule} with power 1. */
export function linearSchedule(options: LinearScheduleOptions): Schedule {
  const ctx = 'optax.linearSchedule';
  const spec = parseOptions(ctx, options, {
    initValue: isNum(),
    endValue: isNum(),
    ...transition(),
  });
  return poly(ctx, spec, 1);
}

/**
 * `warmup_constant_schedule`: linear from `initValue` to `peakValue` over `warmupSteps`, then
 * `peakValue` (optax's `linear_schedule(init_value, peak_value, warmup_steps)`; with
 * `warmupSteps: 0` optax logs a warning and returns `initValue` at every step, and so does this).
 * @example optax.warmupConstantSchedule({ initValue: 0, peakValue: 0.1, warmupSteps: 4 }); // 0 .025 .05 .075 .1 .1 ...
 */
export function warmupConstantSchedule(options: WarmupConstantScheduleOptions): Schedule {
  const spec = parseOptions('optax.warmupConstantSchedule', options, {
    initValue: isNum(),
    peakValue: isNum(),
    warmupSteps: isNum({ int: true, min: 0 }),
  });
  const { initValue, peakValue, warmupSteps } = spec;
  const span = initValue - peakValue;
  return defineSchedule('optax.warmupConstantSchedule', spec, (step) => {
    if (warmupSteps === 0) return initValue;
    const c = Math.min(step, warmupSteps);
    return span * (1 - c / warmupSteps) + peakValue;
  });
}

/** The rules of {@link exponentialDecay} after `initValue` (shared by the warm-up variant). */
function decayRules() {
  return {
    transitionSteps: isNum({ int: true, min: 0 }),
    decayRate: isNum({ min: 0 }),
    transitionBegin: optNumber(0, { int: true, min: 0 }),
    staircase: optBoolean(false),
    endValue: numOrNull(),
  };
}

/**
 * `exponential_decay`: `initValue` while `step <= transitionBegin`, then
 * `initValue * decayRate ** ((step - transitionBegin) / transitionSteps)`, bounded by `endValue`.
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const spec = parseOptions('optax.exponentialDecay', options, {
    initValue: isNum(),
    ...decayRules(),
  });
  const { initValue, transitionSteps, decayRate, transitionBegin, staircase, endValue } = spec;
  const constantValue = transitionSteps === 0 || decayRate === 0;
  const ln = Math.log(decayRate);
  const lo = endValue !== null && decayRate < 1 ? endValue : -Infinity;
  const hi = endValue !== null && decayRate >= 1 ? endValue : Infinity;
  return defineSchedule('optax.exponentialDecay', spec, (step) => {
    if (constantValue) return initValue;
    const d = step - transitionBegin;
    let v = initValue;
    if (d > 0) {
      const p = d / transitionSteps;
      v = initValue * powLn(ln, staircase ? Math.floor(p) : p);
    }
    return v < lo ? lo : Math.min(v, hi);
  });
}

/** `cosine_decay_schedule`: `init * ((1 - alpha) * (0.5 * (1 + cos(pi * min(step, d) / d))) ** exponent + alpha)`. */
export function cosineDecaySchedule(options: CosineDecayScheduleOptions): Schedule {
  const spec = parseOptions('optax.cosineDecaySchedule', options, {
    initValue: isNum(),
    decaySteps: isNum({ int: true, gt: 0 }),
    alpha: optNumber(0),
    exponent: optNumber(1, { gt: 0 }),
  });
  const { initValue, decaySteps, alpha, exponent } = spec;
  return defineSchedule('optax.cosineDecaySchedule', spec, (step) => {
    const c = Math.min(step, decaySteps);
    const f = 0.5 * (1 + Math.cos((Math.PI * c) / decaySteps));
    return initValue * ((1 - alpha) * powNonNeg(f, exponent) + alpha);
  });
}

/** The rules of {@link warmupCosineDecaySchedule} (also each cycle of {@link sgdrSchedule}). */
function warmupCosineRules() {
  return {
    initValue: isNum(),
    peakValue: isNum(),
    warmupSteps: isNum({ int: true, min: 0 }),
    decaySteps: ((ctx, name, v, prev) =>
      num(ctx, name, v, { int: true, gt: prev.warmupSteps as number })) as Rule<number>,
    endValue: optNumber(0),
    exponent: optNumber(1, { gt: 0 }),
  };
}

/** Linear warm-up joined to the cosine decay, from validated options. */
function warmupCosine(o: Required<WarmupCosineDecayScheduleOptions>): Schedule {
  const { initValue, peakValue, warmupSteps, decaySteps, endValue, exponent } = o;
  const alpha = peakValue === 0 ? 0 : endValue / peakValue;
  return join(
    [
      linearSchedule({ initValue, endValue: peakValue, transitionSteps: warmupSteps }),
      cosineDecaySchedule({
        initValue: peakValue,
        decaySteps: decaySteps - warmupSteps,
        alpha,
        exponent,
      }),
    ],
    [warmupSteps],
  );
}

/**
 * `warmup_cosine_decay_schedule`: linear from `initValue` to `peakValue` over `warmupSteps`,
 * then cosine decay to `endValue` at `decaySteps` (total, warm-up included).
 */
export function warmupCosineDecaySchedule(options: WarmupCosineDecayScheduleOptions): Schedule {
  const spec = parseOptions('optax.warmupCosineDecaySchedule', options, warmupCosineRules());
  const fn = warmupCosine(spec);
  return defineSchedule('optax.warmupCosineDecaySchedule', spec, (step) => fn(step), 'inner');
}

/** `warmup_exponential_decay_schedule`: linear warm-up, then {@link exponentialDecay} from `peakValue`. */
export function warmupExponentialDecaySchedule(
  options: WarmupExponentialDecayScheduleOptions,
): Schedule {
  const spec = parseOptions('optax.warmupExponentialDecaySchedule', options, {
    initValue: isNum(),
    peakValue: isNum(),
    warmupSteps: isNum({ int: true, min: 0 }),
    ...decayRules(),
  });
  const { initValue, peakValue, warmupSteps, ...decay } = spec;
  const fn = join(
    [
      linearSchedule({ initValue, endValue: peakValue, transitionSteps: warmupSteps }),
      exponentialDecay({ initValue: peakValue, ...decay }),
    ],
    [warmupSteps],
  );
  return defineSchedule('optax.warmupExponentialDecaySchedule', spec, (step) => fn(step), 'inner');
}

/**
 * optax's `boundaries_and_scales`: `{ step: scale }` with integer steps >= 0 (each written
 * once) and scales >= 0; `null` when absent. Yields the record sorted by step.
 */
const isBoundaryScales: Rule<Record<string, number> | null> = (ctx, name, v) => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail(ctx, name, v, 'an object { step: scale }');
  const entries = Object.entries(v as Record<string, unknown>).map(([k, s]) => {
    const b = Number(k);
    if (k.trim() === '' || !Number.isInteger(b) || b < 0)
      fail(ctx, `${name}[${JSON.stringify(k)}]`, k, 'a key that is an integer step >= 0');
    return [b, num(ctx, `${name}[${k}]`, s, { min: 0 })] as const;
  });
  entries.sort((a, b) => a[0] - b[0]);
  const record: Record<string, number> = {};
  for (const [b, s] of entries) {
    if (String(b) in record)
      fail(ctx, name, v, `an object with each step once (step ${b} is written twice)`);
    record[String(b)] = s;
  }
  return record;
};

/** The steps and scales of a validated `boundariesAndScales`, in step order. */
function knotsOf(record: Record<string, number> | null): {
  boundaries: number[];
  scales: number[];
} {
  const entries = Object.entries(record ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  return { boundaries: entries.map((e) => Number(e[0])), scales: entries.map((e) => e[1]) };
}

/** `piecewise_constant_schedule`: the value is multiplied by `scale` at each boundary (from that step on). */
export function piecewiseConstantSchedule(options: PiecewiseConstantScheduleOptions): Schedule {
  const spec = parseOptions('optax.piecewiseConstantSchedule', options, {
    initValue: isNum(),
    boundariesAndScales: isBoundaryScales,
  });
  const { boundaries, scales } = knotsOf(spec.boundariesAndScales);
  const values = [spec.initValue];
  for (const s of scales) values.push(values[values.length - 1] * s);
  return defineSchedule('optax.piecewiseConstantSchedule', spec, (step) => {
    // Inline, not indexAtStep: bench/run.mjs measured this lookup 12-16% slower through the shared helper.
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return values[i];
  });
}

function interpolate(
  type: 'linear' | 'cosine',
  initValue: number,
  boundaries: number[],
  scales: number[],
): (step: number) => number {
  const bounds = [0, ...boundaries];
  const values = [initValue];
  for (const s of scales) values.push(values[values.length - 1] * s);
  const n = boundaries.length;
  const cos = type === 'cosine';
  return (step) => {
    if (step >= bounds[n]) return values[n];
    // bounds[0] = 0 <= step < bounds[n]: find bounds[i] <= step < bounds[i + 1] (no bound
    // check needed; measurably faster here than indexAtStep(bounds, step) - 1).
    let i = 0;
    while (step >= bounds[i + 1]) i++;
    const pct = (step - bounds[i]) / (bounds[i + 1] - bounds[i]);
    const a = values[i];
    const b = values[i + 1];
    return cos ? annealCos(a, b, pct) : annealLinear(a, b, pct);
  };
}

/**
 * `piecewise_interpolate_schedule`: interpolates from `initValue` at step 0 through the knots;
 * constant after the last knot. A knot at step 0 applies its scale from step 0 on.
 */
export function piecewiseInterpolateSchedule(
  options: PiecewiseInterpolateScheduleOptions,
): Schedule {
  const spec = parseOptions('optax.piecewiseInterpolateSchedule', options, {
    interpolateType: isOneOf(['linear', 'cosine'] as const),
    initValue: isNum(),
    boundariesAndScales: isBoundaryScales,
  });
  const { boundaries, scales } = knotsOf(spec.boundariesAndScales);
  return defineSchedule(
    'optax.piecewiseInterpolateSchedule',
    spec,
    interpolate(spec.interpolateType, spec.initValue, boundaries, scales),
  );
}

function knots(entries: [number, number][]): { boundaries: number[]; scales: number[] } {
  // A Python dict literal: a repeated key keeps its first position and its last value.
  const map = new Map<number, number>();
  for (const [b, s] of entries) map.set(b, s);
  const sorted = [...map.entries()].sort((a, b) => a[0] - b[0]);
  return { boundaries: sorted.map((e) => e[0]), scales: sorted.map((e) => e[1]) };
}

/** `linear_onecycle_schedule`: piecewise-linear up to `peakValue`, back to the start value, then down to the final value. */
export function linearOnecycleSchedule(options: LinearOnecycleScheduleOptions): Schedule {
  const spec = parseOptions('optax.linearOnecycleSchedule', options, {
    transitionSteps: isNum({ int: true, gt: 0 }),
    peakValue: isNum(),
    pctStart: optNumber(0.3, { min: 0, max: 1 }),
    pctFinal: optNumber(0.85, { min: 0, max: 1 }),
    divFactor: optNumber(25, { gt: 0 }),
    finalDivFactor: optNumber(1e4, { gt: 0 }),
  });
  const { transitionSteps, peakValue, pctStart, pctFinal, divFactor, finalDivFactor } = spec;
  const { boundaries, scales } = knots([
    [Math.trunc(pctStart * transitionSteps), divFactor],
    [Math.trunc(pctFinal * transitionSteps), 1 / divFactor],
    [transitionSteps, 1 / finalDivFactor],
  ]);
  return defineSchedule(
    'optax.linearOnecycleSchedule',
    spec,
    interpolate('linear', peakValue / divFactor, boundaries, scales),
  );
}

/** Options of {@link cosineOnecycleSchedule}. */
export type CosineOnecycleScheduleOptions = Omit<LinearOnecycleScheduleOptions, 'pctFinal'>;

/** `cosine_onecycle_schedule`: cosine up to `peakValue` at `pctStart`, cosine down to the final value at `transitionSteps`. */
export function cosineOnecycleSchedule(options: CosineOnecycleScheduleOptions): Schedule {
  const spec = parseOptions('optax.cosineOnecycleSchedule', options, {
    transitionSteps: isNum({ int: true, gt: 0 }),
    peakValue: isNum(),
    pctStart: optNumber(0.3, { min: 0, max: 1 }),
    divFactor: optNumber(25, { gt: 0 }),
    finalDivFactor: optNumber(1e4, { gt: 0 }),
  });
  const { transitionSteps, peakValue, pctStart, divFactor, finalDivFactor } = spec;
  const { boundaries, scales } = knots([
    [Math.trunc(pctStart * transitionSteps), divFactor],
    [transitionSteps, 1 / (divFactor * finalDivFactor)],
  ]);
  return defineSchedule(
    'optax.cosineOnecycleSchedule',
    spec,
    interpolate('cosine', peakValue / divFactor, boundaries, scales),
  );
}

/** `sgdr_schedule`: warm-up-cosine cycles joined end to end (each restarts at its own step 0). */
export function sgdrSchedule(options: SgdrScheduleOptions): Schedule {
  const spec = parseOptions('optax.sgdrSchedule', options, {
    cosineKwargs: (c, name, v) => {
      if (!Array.isArray(v) || v.length === 0)
        fail(c, name, v, 'a non-empty array of warmupCosineDecaySchedule options');
      return v.map((k, i) => parseOptions(`${c} ${name}[${i}]`, k, warmupCosineRules()));
    },
  });
  const boundaries: number[] = [];
  let at = 0;
  for (const p of spec.cosineKwargs.slice(0, -1)) {
    at += p.decaySteps;
    boundaries.push(at);
  }
  const fn = join(spec.cosineKwargs.map(warmupCosine), boundaries);
  return defineSchedule('optax.sgdrSchedule', spec, (step) => fn(step), 'inner');
}

/** `join_schedules`: `schedules[i + 1](step - boundaries[i])` from `boundaries[i]` on. */
export function joinSchedules(options: JoinSchedulesOptions): Schedule {
  const spec = parseOptions('optax.joinSchedules', options, {
    schedules: isScheduleArray(),
    boundaries: isNumArray({ min: 0 }, 'nondecreasing'),
  });
  const fn = join(spec.schedules, spec.boundaries);
  return defineSchedule('optax.joinSchedules', spec, (step) => fn(step), 'inner');
}
