/** A rule a number option must satisfy: its test, and the words that complete "must be". */
export interface NumberRule {
  /** Completes "must be": `'a finite number > 0'`, `'a number in [0, 1)'`, `'an integer >= 1'`. */
  readonly text: string;
  /** True when `value` is a number that satisfies the rule (never for NaN or a non-number). */
  readonly test: (value: unknown) => value is number;
}

/** Bounds of a {@link NumberRule}; every rule also requires a finite number. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** `min` itself is excluded (`> min`). */
  minOpen?: boolean;
  /** `max` itself is excluded (`< max`). */
  maxOpen?: boolean;
  /** A safe integer (`Number.isSafeInteger`). */
  integer?: boolean;
}

const bound = (x: number): string => (x === 2 ** 53 ? '2^53' : String(x));

/** The words of a rule: `a finite number >= 0`, `a number in [0, 1)`, `an integer in [0, 2^53)`. */
function ruleText(b: NumberBounds): string {
  const kind = b.integer ? 'an integer' : 'a number';
  const lo = b.min === undefined ? null : `${b.minOpen ? '>' : '>='} ${bound(b.min)}`;
  const hi = b.max === undefined ? null : `${b.maxOpen ? '<' : '<='} ${bound(b.max)}`;
  if (lo !== null && hi !== null) {
    return `${kind} in ${b.minOpen ? '(' : '['}${bound(b.min!)}, ${bound(b.max!)}${b.maxOpen ? ')' : ']'}`;
  }
  const finite = b.integer ? kind : 'a finite number';
  return (lo ?? hi) ? `${finite} ${lo ?? hi}` : finite;
}

/** A number rule from its bounds, e.g. `numberRule({ min: 0, max: 1, maxOpen: true })`. */
export function numberRule(bounds: NumberBounds): NumberRule {
  const { min, max, minOpen = false, maxOpen = false, integer = false } = bounds;
  const test = (v: unknown): v is number =>
    typeof v === 'number' &&
    (integer ? Number.isSafeInteger(v) : Number.isFinite(v)) &&
    (min === undefined || (minOpen ? v > min : v >= min)) &&
    (max === undefined || (maxOpen ? v < max : v <= max));
  return { text: ruleText(bounds), test };
}

/** Any finite number. */
export const FINITE: NumberRule = numberRule({});
/** A finite number `>= 0`. */
export const NON_NEGATIVE: NumberRule = numberRule({ min: 0 });
/** A finite number `> 0`. */
export const POSITIVE: NumberRule = numberRule({ min: 0, minOpen: true });
/** A number in `[0, 1]`. */
export const UNIT_INTERVAL: NumberRule = numberRule({ min: 0, max: 1 });
/** An integer in `[0, 2^53)`: a step or count (every such integer is exact in float64). */
export const STEP: NumberRule = numberRule({ integer: true, min: 0, max: 2 ** 53, maxOpen: true });
