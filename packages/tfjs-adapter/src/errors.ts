import {
  brandErrorClass,
  closestOption,
  describe,
  NON_NEGATIVE,
  type NumberRule,
  numberRule,
  optionMessage,
  POSITIVE,
  STEP,
  unknownOptionMessage,
} from '@burnin/internal';

/**
 * Thrown for a bad option or a bad value produced by a schedule. Names the function, the option
 * (or `schedule(step)` / `momentum(step)`), the allowed range and the offending value, e.g.
 * `withSchedule: option "clipNorm" must be a finite number > 0 (got -1)`. Carries the burnin
 * error brand, `Symbol.for('@burnin/error')`, shared by every burnin package's errors.
 */
export class AdapterOptionError extends RangeError {
  override name = 'AdapterOptionError';
  static {
    brandErrorClass(AdapterOptionError);
  }
  /** The function or class that rejected the value, e.g. `withSchedule`. */
  declare readonly fn: string;
  /** The option, e.g. `clipNorm`, or `schedule(12)` for a value a schedule returned. */
  declare readonly option: string;
  /** The rejected value. */
  declare readonly value: unknown;
  /** The allowed range or set, in words that complete "must be", e.g. `a number in [0, 1)`. */
  declare readonly allowed: string;

  /** `message` overrides the generated message. */
  constructor(fn: string, option: string, value: unknown, allowed: string, message?: string) {
    super(message ?? optionMessage(fn, option, allowed, value));
    Object.assign(this, { fn, option, value, allowed });
  }
}

/** Keras / PyTorch spellings that do not map onto an option by case and underscores alone. */
const SPELLING_HINTS: Record<string, string> = {
  lr: 'the rate comes from the schedule',
  clipvalue: 'not supported; clipNorm clips by global norm',
  global_clipnorm: 'clipNorm (it clips by global norm)',
  max_grad_norm: 'clipNorm',
  delta: 'minDelta',
  verbose: 'not supported',
};

/**
 * Throws {@link AdapterOptionError} unless `options` is `undefined` or a plain options object
 * whose keys are all in `allowed`. The error names the unknown key, lists the allowed keys and
 * suggests the camelCase option for Keras/PyTorch spellings (`clipnorm` → `clipNorm`,
 * `min_delta` → `minDelta`, ...). A tfjs Tensor (or an array) in place of the options is
 * reported as such.
 */
export function checkOptionKeys(
  fn: string,
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new AdapterOptionError(fn, 'options', options, 'an options object');
  }
  const ctor = (options as { constructor?: { name?: string } }).constructor;
  const isTensor =
    typeof (options as { dataSync?: unknown }).dataSync === 'function' &&
    Array.isArray((options as { shape?: unknown }).shape);
  if (isTensor || (ctor && ctor !== Object && ctor.name !== 'Object')) {
    throw new AdapterOptionError(
      fn,
      'options',
      options,
      'an options object',
      `${fn}: the options argument must be a plain object { ${allowed.join(', ')} } (got ${describe(options)})`,
    );
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const match = closestOption(key, allowed);
    const note = match
      ? `did you mean ${match}?`
      : Object.hasOwn(SPELLING_HINTS, key)
        ? SPELLING_HINTS[key]
        : undefined;
    throw new AdapterOptionError(
      fn,
      key,
      (options as Record<string, unknown>)[key],
      `one of the options ${allowed.join(', ')}`,
      unknownOptionMessage(fn, key, allowed, note),
    );
  }
  return options as Record<string, unknown>;
}

/** Returns `value` if it satisfies `rule`, else throws {@link AdapterOptionError} naming it. */
function checkNumber(fn: string, option: string, value: unknown, rule: NumberRule): number {
  if (!rule.test(value)) throw new AdapterOptionError(fn, option, value, rule.text);
  return value;
}

/** Throws unless `value` is a finite number `>= 0`. */
export function checkNonNegative(fn: string, option: string, value: unknown): number {
  return checkNumber(fn, option, value, NON_NEGATIVE);
}

/** Throws unless `value` is a finite number `> 0`. */
export function checkPositive(fn: string, option: string, value: unknown): number {
  return checkNumber(fn, option, value, POSITIVE);
}

/** Throws unless `value` is a safe integer `>= 0`. */
export function checkStep(fn: string, option: string, value: unknown): number {
  return checkNumber(fn, option, value, STEP);
}

const UNIT_INTERVAL_OPEN = numberRule({ min: 0, max: 1, maxOpen: true });

/** Throws unless `value` is a finite number in `[0, 1)`. */
export function checkUnitInterval(fn: string, option: string, value: unknown): number {
  return checkNumber(fn, option, value, UNIT_INTERVAL_OPEN);
}
