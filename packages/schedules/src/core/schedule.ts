import { ScheduleOptionError, ScheduleOverflowError, ScheduleStepError } from '../errors.js';

/**
 * Plain, JSON-serializable description of a schedule: the factory's registered name
 * (`'linear'`, `'keras.cosineDecay'`, `'torch.oneCycleLR'`, ...) and its options, with
 * defaults filled in and nested schedules replaced by their own specs.
 */
export interface ScheduleSpec {
  readonly type: string;
  readonly options: { readonly [key: string]: unknown };
}

/**
 * A learning-rate schedule: `step` is the number of optimizer updates already done
 * (0 for the first update) and the result is the learning rate (or momentum, for the
 * momentum companions) to use for that update.
 *
 * Step conventions, shared by every schedule of this package:
 * - `step` must be a finite number `>= 0`; a negative, NaN or infinite step, or a value that
 *   is not a number at all (`null`, `[300]`, `'5'`, `5n`), throws a {@link ScheduleStepError}.
 * - the result is always a finite number: a formula that overflows float64 (exponential
 *   growth far out) throws a {@link ScheduleOverflowError} instead of returning `±Infinity`.
 * - fractional steps are passed to the closed-form formula as they are; staircase and
 *   piecewise schedules compare with the same `<` / `<=` as the original library (and
 *   integer-step libraries such as TF's `manual_stepping` warm-up are floored), so a
 *   fractional step behaves like the integer steps around it.
 * - past the end of a finite schedule the value is the library's own: held at the final
 *   value, periodic (torch `CosineAnnealingLR`) or refused with a {@link ScheduleStepError}
 *   where the library raises (torch `OneCycleLR`, darknet `poly`).
 *
 * `spec` describes the schedule; {@link toJSON} / {@link fromJSON} round-trip it.
 */
export type Schedule = ((step: number) => number) & { readonly spec: ScheduleSpec };

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * The steps a schedule accepts, checked by {@link defineSchedule} before `at` runs:
 * - `'finite'` (the default): a finite number `>= 0`.
 * - `'inner'`: any number; the schedules it evaluates check the range (their own error).
 * - `{ max, allowed }`: a number in `[0, max]` (both ends included); `allowed` words the
 *   error for a step out of that range.
 * A value that is not a number fails every domain with the `'finite'` wording.
 * @internal
 */
export type StepDomain = 'finite' | 'inner' | { readonly max: number; readonly allowed: string };

/**
 * Attaches a spec to an evaluation function. `options` must be plain JSON data
 * (numbers, strings, booleans, null, arrays, objects, nested specs), schedules or arrays of
 * schedules (recorded as their specs) or named functions (recorded as their `spec` name);
 * `undefined` values are left out. The spec is a frozen copy.
 * The returned schedule refuses a step outside `domain` (so `at` never sees one) and turns
 * a non-finite result into a {@link ScheduleOverflowError}.
 * @internal
 */
export function defineSchedule(
  type: string,
  options: Record<string, unknown>,
  at: (step: number) => number,
  domain: StepDomain = 'finite',
): Schedule {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (v !== undefined) clean[k] = specValue(v);
  // The spec gets its own (frozen) copy: arrays captured by `at` stay unfrozen, fast arrays.
  const copy = structuredClone(clean);
  // One closure per domain, so that each stays monomorphic. `null >= 0` and `[300] >= 0` are
  // true in JS: the range checks alone would let them through, hence the typeof.
  // `v - v` is 0 for every finite v, NaN for ±Infinity and NaN.
  let checked: (step: number) => number;
  if (domain === 'finite') {
    checked = (step) => {
      if (!(typeof step === 'number' && step >= 0 && step < Infinity)) badStep(type, step);
      const v = at(step);
      if (v - v !== 0) throw new ScheduleOverflowError(type, step, v);
      return v;
    };
  } else if (domain === 'inner') {
    checked = (step) => {
      if (typeof step !== 'number') badStep(type, step);
      const v = at(step);
      if (v - v !== 0) throw new ScheduleOverflowError(type, step, v);
      return v;
    };
  } else {
    const { max, allowed } = domain;
    checked = (step) => {
      if (typeof step !== 'number') badStep(type, step);
      if (!(step >= 0 && step <= max)) badStep(type, step, allowed);
      const v = at(step);
      if (v - v !== 0) throw new ScheduleOverflowError(type, step, v);
      return v;
    };
  }
  Object.defineProperty(checked, 'spec', {
    value: deepFreeze({ type, options: copy }),
    enumerable: true,
    writable: false,
    configurable: false,
  });
  return checked as Schedule;
}

/** What a spec records for an option value: a schedule's (or named function's) `spec`. */
function specValue(v: unknown): unknown {
  if (typeof v === 'function') return (v as { spec?: unknown }).spec;
  if (Array.isArray(v) && typeof v[0] === 'function') return v.map(specValue);
  return v;
}

/** Throws the {@link ScheduleStepError} for an invalid step. @internal */
export function badStep(type: string, step: unknown, allowed = 'a finite number >= 0'): never {
  throw new ScheduleStepError(type, step, allowed);
}

/** `true` when `value` is a schedule of this package (a function carrying a spec). */
export function isSchedule(value: unknown): value is Schedule {
  if (typeof value !== 'function') return false;
  const spec = (value as unknown as { spec?: unknown }).spec;
  return (
    typeof spec === 'object' && spec !== null && typeof (spec as ScheduleSpec).type === 'string'
  );
}

/** Validates a schedule-valued option. @internal */
export function scheduleOption(ctx: string, name: string, value: unknown): Schedule {
  if (!isSchedule(value)) {
    throw new ScheduleOptionError(ctx, name, value, 'a schedule of @burnin/schedules');
  }
  return value;
}

/** Validates an array of schedules. @internal */
export function scheduleArray(
  ctx: string,
  name: string,
  value: unknown,
  minLength = 1,
): Schedule[] {
  if (!Array.isArray(value) || value.length < minLength) {
    throw new ScheduleOptionError(
      ctx,
      name,
      value,
      `an array of at least ${minLength} schedule${minLength === 1 ? '' : 's'}`,
    );
  }
  return value.map((s, i) => scheduleOption(ctx, `${name}[${i}]`, s));
}
