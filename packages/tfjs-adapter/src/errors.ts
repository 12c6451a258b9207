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
  ) {
    super(`${fn}: ${option} = ${describe(value)} is outside the allowed range ${allowed}`);
  }
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
