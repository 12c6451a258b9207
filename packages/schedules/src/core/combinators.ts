import { indexAtStep } from './math.js';
import { isNum, isNumArray, numOrAbsent, optNumber, parseOptions, sizedBy } from './options.js';
import { defineSchedule, type Schedule, scheduleArray, scheduleOption } from './schedule.js';
import { fail, num } from './validate.js';

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Warm-up length in steps (>= 0; 0 disables the warm-up). */
  steps: number;
  /** Value at step 0. Default 0. */
  from?: number;
}

/** Options of {@link clamp}. */
export interface ClampOptions {
  /** Lower bound (default none). */
  min?: number;
  /** Upper bound (default none); `min <= max`. */
  max?: number;
}

/**
 * Runs `schedules[0]` until `boundaries[0]`, then `schedules[1]` until `boundaries[1]`, ...
 * Each later schedule sees the step relative to its start: `schedules[i + 1](step - boundaries[i])`
 * for `boundaries[i] <= step < boundaries[i + 1]` (optax `join_schedules` semantics).
 *
 * @param schedules at least one schedule
 * @param boundaries `schedules.length - 1` non-decreasing steps `>= 0`
 * @example join([linear({ from: 0, to: 1, steps: 10 }), cosine({ from: 1, steps: 90 })], [10])
 */
export function join(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  const ctx = 'join';
  const list = scheduleArray(ctx, 'schedules', schedules);
  const b = sizedBy('schedules', -1, 'steps', isNumArray({ min: 0 }, 'nondecreasing'))(
    ctx,
    'boundaries',
    boundaries,
    { schedules: list },
  );
  const n = b.length;
  const spec = { schedules: list, boundaries: b };
  if (n === 0) {
    const only = list[0];
    return defineSchedule(ctx, spec, (step) => only(step), 'inner');
  }
  if (n === 1) {
    const first = list[0];
    const second = list[1];
    const b0 = b[0];
    return defineSchedule(ctx, spec, (step) => {
      return step < b0 ? first(step) : second(step - b0);
    });
  }
  return defineSchedule(ctx, spec, (step) => {
    const i = indexAtStep(b, step);
    return i === 0 ? list[0](step) : list[i](step - b[i - 1]);
  });
}

/**
 * Linear warm-up in front of a schedule: ramps from `from` (step 0) towards `schedule(0)`
 * for `step < steps`, then returns `schedule(step - steps)` (the wrapped schedule starts
 * after the warm-up).
 * @example warmup(cosine({ from: 0.1, steps: 900 }), { steps: 100 })(50) // 0.05
 */
export function warmup(schedule: Schedule, options: WarmupOptions): Schedule {
  const ctx = 'warmup';
  const inner = scheduleOption(ctx, 'schedule', schedule);
  const o = parseOptions(ctx, options, { steps: isNum({ min: 0 }), from: optNumber(0) });
  const { steps, from } = o;
  const target = inner(0);
  const slope = steps > 0 ? (target - from) / steps : 0;
  return defineSchedule(ctx, { schedule: inner, ...o }, (step) => {
    return step < steps ? from + slope * step : inner(step - steps);
  });
}

/**
 * Multiplies a schedule by a constant `factor`.
 * @example scale(constant({ value: 2 }), 0.5)(0) // 1
 */
export function scale(schedule: Schedule, factor: number): Schedule {
  const ctx = 'scale';
  const inner = scheduleOption(ctx, 'schedule', schedule);
  const f = num(ctx, 'factor', factor);
  return defineSchedule(ctx, { schedule: inner, factor: f }, (step) => f * inner(step), 'inner');
}

/**
 * Limits a schedule to `[min, max]`.
 * @example clamp(exponential({ from: 1, rate: 0.1, steps: 1 }), { min: 0.01 })(5) // 0.01
 */
export function clamp(schedule: Schedule, options: ClampOptions): Schedule {
  const ctx = 'clamp';
  const inner = scheduleOption(ctx, 'schedule', schedule);
  const o = parseOptions(ctx, options, { min: numOrAbsent(), max: numOrAbsent() });
  const { min, max } = o;
  if (min !== undefined && max !== undefined && !(min <= max))
    fail(ctx, 'max', max, `>= min (${min})`);
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  return defineSchedule(
    ctx,
    { schedule: inner, ...o },
    (step) => {
      const v = inner(step);
      return v < lo ? lo : Math.min(v, hi);
    },
    'inner',
  );
}
