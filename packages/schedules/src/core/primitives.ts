import { powLn, powNonNeg, staircase as stairs } from './math.js';
import {
  isNum,
  isNumArray,
  isOneOf,
  optBoolean,
  optNumber,
  parseOptions,
  sizedBy,
} from './options.js';
import { defineSchedule, type Schedule } from './schedule.js';
import { fail } from './validate.js';

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The value returned for every step. */
  value: number;
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Value at step 0. */
  from: number;
  /** Value at `steps` and after. */
  to: number;
  /** Length of the ramp in steps (> 0). */
  steps: number;
}

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  /** Value at step 0. */
  from: number;
  /** Value at `steps` and after. */
  to: number;
  /** Length of the decay in steps (> 0). */
  steps: number;
  /** Exponent (>= 0); 1 is linear. */
  power: number;
}

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** Value at step 0. */
  from: number;
  /** Factor applied every `steps` steps (>= 0). */
  rate: number;
  /** Steps per factor (> 0). */
  steps: number;
  /** Apply the factor in whole periods (`floor(step / steps)`). Default false. */
  staircase?: boolean;
}

/** Options of {@link cosine}. */
export interface CosineOptions {
  /** Value at step 0. */
  from: number;
  /** Value at `steps` and after. Default 0. */
  to?: number;
  /** Length of the half cosine in steps (> 0). */
  steps: number;
  /** Exponent applied to the cosine factor (> 0). Default 1. */
  exponent?: number;
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantOptions {
  /** Steps at which the value changes: strictly increasing, >= 0. */
  boundaries: number[];
  /** `boundaries.length + 1` values. */
  values: number[];
}

/** Options of {@link piecewiseInterpolate}. */
export interface PiecewiseInterpolateOptions {
  /** Knot steps: strictly increasing, >= 0, at least one. */
  boundaries: number[];
  /** Value at each knot (same length as `boundaries`). */
  values: number[];
  /** Interpolation between knots: `'linear'` (default) or `'cosine'` (half-cosine ease). */
  kind?: 'linear' | 'cosine';
}

/** `value` at every step. */
export function constant(options: ConstantOptions): Schedule {
  const spec = parseOptions('constant', options, { value: isNum() });
  const { value } = spec;
  return defineSchedule('constant', spec, () => value);
}

/**
 * Linear ramp: `from + (to - from) * step / steps` for `step < steps`, then `to` forever.
 * @example linear({ from: 0, to: 0.1, steps: 1000 })(500) // 0.05
 */
export function linear(options: LinearOptions): Schedule {
  const spec = parseOptions('linear', options, {
    from: isNum(),
    to: isNum(),
    steps: isNum({ gt: 0 }),
  });
  const { from, to, steps } = spec;
  const slope = (to - from) / steps;
  return defineSchedule('linear', spec, (step) => (step < steps ? from + slope * step : to));
}

/**
 * Polynomial decay: `(from - to) * (1 - min(step, steps) / steps) ** power + to`.
 * @example polynomial({ from: 1, to: 0, steps: 10, power: 2 })(5) // 0.25
 */
export function polynomial(options: PolynomialOptions): Schedule {
  const spec = parseOptions('polynomial', options, {
    from: isNum(),
    to: isNum(),
    steps: isNum({ gt: 0 }),
    power: isNum({ min: 0 }),
  });
  const { from, to, steps, power } = spec;
  const span = from - to;
  return defineSchedule('polynomial', spec, (step) => {
    if (step >= steps) return to;
    return span * powNonNeg(1 - step / steps, power) + to;
  });
}

/**
 * Exponential decay (or growth): `from * rate ** (step / steps)`, the exponent floored when
 * `staircase`. Never ends; combine with {@link clamp} for a floor.
 * @example exponential({ from: 1, rate: 0.5, steps: 10 })(20) // 0.25
 */
export function exponential(options: ExponentialOptions): Schedule {
  const spec = parseOptions('exponential', options, {
    from: isNum(),
    rate: isNum({ min: 0 }),
    steps: isNum({ gt: 0 }),
    staircase: optBoolean(false),
  });
  const { from, rate, steps, staircase } = spec;
  const ln = Math.log(rate);
  if (staircase) return defineSchedule('exponential', spec, stairs(from, rate, steps));
  return defineSchedule('exponential', spec, (step) => from * powLn(ln, step / steps));
}

/**
 * Half-cosine decay: `to + (from - to) * (0.5 * (1 + cos(pi * min(step, steps) / steps))) ** exponent`.
 * @example cosine({ from: 1, steps: 100 })(50) // 0.5
 */
export function cosine(options: CosineOptions): Schedule {
  const spec = parseOptions('cosine', options, {
    from: isNum(),
    to: optNumber(0),
    steps: isNum({ gt: 0 }),
    exponent: optNumber(1, { gt: 0 }),
  });
  const { from, to, steps, exponent } = spec;
  const span = from - to;
  return defineSchedule('cosine', spec, (step) => {
    if (step >= steps) return to;
    return to + span * powNonNeg(0.5 * (1 + Math.cos((Math.PI * step) / steps)), exponent);
  });
}

/**
 * Step function: `values[i]` where `i` is the number of boundaries `<= step` (the new value
 * takes effect AT the boundary, as in torch/optax/TF OD API; Keras' `PiecewiseConstantDecay`
 * switches one step later, see `keras.piecewiseConstantDecay`).
 * @example piecewiseConstant({ boundaries: [100], values: [0.1, 0.01] })(100) // 0.01
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const ctx = 'piecewiseConstant';
  const spec = parseOptions(ctx, options, {
    boundaries: isNumArray({ min: 0 }, 'increasing'),
    values: sizedBy('boundaries', 1, 'numbers', isNumArray()),
  });
  const { boundaries, values } = spec;
  return defineSchedule(ctx, spec, (step) => {
    // Inline, not indexAtStep: bench/run.mjs measured this lookup 12-16% slower through the shared helper.
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return values[i];
  });
}

/**
 * Interpolates between knots `(boundaries[i], values[i])`: `values[0]` before the first
 * knot, the last value after the last knot.
 * @example piecewiseInterpolate({ boundaries: [0, 10, 20], values: [0, 1, 0] })(15) // 0.5
 */
export function piecewiseInterpolate(options: PiecewiseInterpolateOptions): Schedule {
  const ctx = 'piecewiseInterpolate';
  const spec = parseOptions(ctx, options, {
    boundaries: isNumArray({ min: 0 }, 'increasing'),
    values: isNumArray(),
    kind: isOneOf(['linear', 'cosine'] as const, 'linear'),
  });
  const { boundaries, values, kind } = spec;
  if (boundaries.length === 0) fail(ctx, 'boundaries', boundaries, 'a non-empty array');
  if (values.length !== boundaries.length) {
    fail(ctx, 'values', values, `an array of boundaries.length = ${boundaries.length} numbers`);
  }
  const n = boundaries.length;
  const cos = kind === 'cosine';
  return defineSchedule(ctx, spec, (step) => {
    if (step <= boundaries[0]) return values[0];
    // Inline, not indexAtStep: bench/run.mjs measured this search 6-8% slower through the shared helper.
    let i = 1;
    while (i < n && step >= boundaries[i]) i++;
    if (i === n) return values[n - 1];
    const a = values[i - 1];
    const b = values[i];
    const pct = (step - boundaries[i - 1]) / (boundaries[i] - boundaries[i - 1]);
    // annealCos / annealLinear written out: through the helpers this schedule measured ~5% slower.
    return cos ? b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1) : a + (b - a) * pct;
  });
}
