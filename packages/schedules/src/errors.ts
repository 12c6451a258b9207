import { brandErrorClass, describe, optionMessage } from '@burnin/internal';

/**
 * Thrown when a schedule is constructed with an invalid option (or evaluated at an
 * invalid step, see {@link ScheduleStepError}). Thrown at construction time, never later.
 *
 * - `option`: the option's name as written in the options object (`'decaySteps'`,
 *   `'boundaries[2]'`, `'spec.type'`, ...).
 * - `value`: the offending value.
 * - `allowed`: a human-readable description of the accepted values (`'integer > 0'`).
 */
export class ScheduleOptionError extends RangeError {
  static {
    brandErrorClass(ScheduleOptionError);
  }
  readonly option: string;
  readonly value: unknown;
  readonly allowed: string;
  /** The schedule (e.g. `'keras.exponentialDecay'`) whose option was rejected. */
  readonly schedule: string;

  constructor(schedule: string, option: string, value: unknown, allowed: string) {
    super(optionMessage(schedule, option, allowed, value));
    this.name = 'ScheduleOptionError';
    this.schedule = schedule;
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}

/**
 * Thrown when a schedule is evaluated at a step it is not defined for: a negative, NaN
 * or infinite step, or a step past the end of a schedule whose original implementation
 * refuses it (torch `OneCycleLR` past `totalSteps`, darknet `poly` past `maxBatches`).
 * `option` is always `'step'`.
 */
export class ScheduleStepError extends ScheduleOptionError {
  constructor(schedule: string, value: unknown, allowed: string) {
    super(schedule, 'step', value, allowed);
    this.name = 'ScheduleStepError';
  }
}

/**
 * Thrown when a schedule built from finite options evaluates to `Infinity`, `-Infinity` or
 * `NaN` at a valid step: float64 overflow, e.g. exponential growth (a decay rate above 1)
 * far enough out, or a large `scale` factor. `value` is the step, `result` the non-finite
 * value; `schedule` is the outermost schedule whose own arithmetic overflowed.
 */
export class ScheduleOverflowError extends ScheduleStepError {
  /** The non-finite value the formula produced. */
  readonly result: number;

  constructor(schedule: string, step: number, result: number) {
    super(schedule, step, 'a step at which the value is finite');
    this.message = `${schedule}: the value at step ${step} is ${describe(result)} (float64 overflow): evaluate fewer steps, or bound the schedule (clamp with a max, a decay rate <= 1)`;
    this.name = 'ScheduleOverflowError';
    this.result = result;
  }
}

/**
 * Thrown by the TF Object Detection API text-format parsers. `line` and `column` are
 * 1-based positions in the parsed text; `field` names the offending field, if any.
 */
export class ScheduleParseError extends SyntaxError {
  static {
    brandErrorClass(ScheduleParseError);
  }
  readonly line: number;
  readonly column: number;
  readonly field: string | undefined;

  constructor(message: string, line: number, column: number, field?: string) {
    super(`line ${line}, column ${column}${field ? ` (${field})` : ''}: ${message}`);
    this.name = 'ScheduleParseError';
    this.line = line;
    this.column = column;
    this.field = field;
  }
}

/** @internal The short printable form of a rejected value (shared by every burnin package). */
export { describe };

/**
 * Thrown by `toJSON` for a schedule holding a user function (torch `lambdaLR` /
 * `multiplicativeLR`'s `lrLambda`, `cyclicLR`'s `scaleFn`) that was not registered by name
 * with `registerLambda`. `option` is the path of the function option inside the spec
 * (`'options.lrLambda'`, `'options.schedulers[1].options.lrLambda'`).
 */
export class ScheduleSerializationError extends ScheduleOptionError {
  constructor(schedule: string, option: string) {
    super(
      schedule,
      option,
      'a function',
      'a function registered by name with registerLambda(name, fn) to be serialized (plain functions cannot be written to JSON)',
    );
    this.name = 'ScheduleSerializationError';
  }
}
