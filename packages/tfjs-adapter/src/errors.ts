/**
 * Thrown for a bad option or a bad value produced by a schedule. Names the option (or
 * `schedule(step)` / `momentum(step)`), the offending value and the allowed range, e.g.
 * `withSchedule: clipNorm = -1 is outside the allowed range (0, Infinity)`.
 */
export class AdapterOptionError extends RangeError {
  override name = 'AdapterOptionError';
  constructor(
    /** The function or class that rejected the value, e.g. `withSchedule`. */
    readonly fn: string,
    /** The option, e.g. `clipNorm`, or `schedule(12)` for a value a schedule returned. */
    readonly option: string,
    /** The rejected value. */
    readonly value: unknown,
    /** The allowed range or set, in words, e.g. `[0, 1)` or `one of 'min', 'max'`. */
    readonly allowed: string,
    /** Overrides the generated message. */
    message?: string,
  ) {
    super(
      message ?? `${fn}: ${option} = ${describe(value)} is outside the allowed range ${allowed}`,
    );
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

const normalise = (k: string): string => k.toLowerCase().replace(/[_-]/g, '');

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
      `${fn}: the options argument must be a plain object { ${allowed.join(', ')} }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const match = allowed.find((a) => normalise(a) === normalise(key));
    const hint = match ? `did you mean ${match}?` : SPELLING_HINTS[key];
    throw new AdapterOptionError(
      fn,
      key,
      (options as Record<string, unknown>)[key],
      `one of the options ${allowed.join(', ')}`,
      `${fn}: unknown option "${key}"${hint ? ` (${hint})` : ''}; the options are ${allowed.join(', ')}`,
    );
  }
  return options as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value != null && typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `[object ${name}]` : String(value);
  }
  return String(value);
}

/** Throws unless `value` is a finite number `>= 0`. */
export function checkNonNegative(fn: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new AdapterOptionError(fn, option, value, '[0, Infinity) (finite)');
  }
  return value;
}

/** Throws unless `value` is a finite number `> 0`. */
export function checkPositive(fn: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AdapterOptionError(fn, option, value, '(0, Infinity) (finite)');
  }
  return value;
}

/** Throws unless `value` is a safe integer `>= 0`. */
export function checkStep(fn: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AdapterOptionError(fn, option, value, 'integers in [0, 2^53)');
  }
  return value;
}

/** Throws unless `value` is a finite number in `[0, 1)`. */
export function checkUnitInterval(fn: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new AdapterOptionError(fn, option, value, '[0, 1)');
  }
  return value;
}
