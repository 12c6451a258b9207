import { ScheduleOptionError } from '../errors.js';

/** Numeric constraint used by {@link num}. */
export interface NumRule {
  /** Require an integer. */
  int?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  lt?: number;
}

function ruleText(rule: NumRule): string {
  const parts: string[] = [];
  if (rule.gt !== undefined) parts.push(`> ${rule.gt}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.lt !== undefined) parts.push(`< ${rule.lt}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  const base = rule.int ? 'an integer' : 'a finite number';
  return parts.length ? `${base} ${parts.join(' and ')}` : base;
}

/** Returns `true` when `v` satisfies `rule` (and is a finite number). */
export function satisfies(v: unknown, rule: NumRule): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (rule.int && !Number.isInteger(v)) return false;
  if (rule.gt !== undefined && !(v > rule.gt)) return false;
  if (rule.min !== undefined && !(v >= rule.min)) return false;
  if (rule.lt !== undefined && !(v < rule.lt)) return false;
  if (rule.max !== undefined && !(v <= rule.max)) return false;
  return true;
}

/** Validates a required number option. */
export function num(ctx: string, name: string, v: unknown, rule: NumRule = {}): number {
  if (!satisfies(v, rule)) throw new ScheduleOptionError(ctx, name, v, ruleText(rule));
  return v === 0 ? 0 : v; // -0 -> 0, so that JSON (which drops the sign of zero) round-trips exactly
}

/** Validates an optional number option, returning `dflt` when it is `undefined`. */
export function optNum(
  ctx: string,
  name: string,
  v: unknown,
  dflt: number,
  rule: NumRule = {},
): number {
  return v === undefined ? dflt : num(ctx, name, v, rule);
}

/** Validates an optional boolean option. */
export function optBool(ctx: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ScheduleOptionError(ctx, name, v, 'a boolean');
  return v;
}

/** Validates a string option against a list of allowed values. */
export function oneOf<T extends string>(
  ctx: string,
  name: string,
  v: unknown,
  allowed: readonly T[],
  dflt?: T,
): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ScheduleOptionError(
      ctx,
      name,
      v,
      `one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
    );
  }
  return v as T;
}

/** Validates an array of numbers, each satisfying `rule`; optionally sorted. */
export function numArray(
  ctx: string,
  name: string,
  v: unknown,
  rule: NumRule = {},
  order: 'none' | 'increasing' | 'nondecreasing' = 'none',
): number[] {
  if (!Array.isArray(v))
    throw new ScheduleOptionError(
      ctx,
      name,
      v,
      `an array of ${ruleText(rule).replace(/^an? /, '')}s`,
    );
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const x = num(ctx, `${name}[${i}]`, v[i], rule);
    if (i > 0) {
      const prev = out[i - 1];
      if (order === 'increasing' && !(x > prev)) {
        throw new ScheduleOptionError(ctx, name, v, 'strictly increasing');
      }
      if (order === 'nondecreasing' && !(x >= prev)) {
        throw new ScheduleOptionError(ctx, name, v, 'sorted in non-decreasing order');
      }
    }
    out.push(x);
  }
  return out;
}

/** Throws a {@link ScheduleOptionError} for a relation between options. */
export function fail(ctx: string, name: string, v: unknown, allowed: string): never {
  throw new ScheduleOptionError(ctx, name, v, allowed);
}
