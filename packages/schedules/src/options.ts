import { keys, type NumRule, num, numArray, oneOf, optBool, optNum } from './validate.js';

/**
 * Validates one option: `ctx` is the schedule's type, `name` the option as written, `v` the
 * raw value. Returns the value the schedule uses, which is also what its spec records
 * (defaults filled in; `undefined` is left out of the spec).
 * @internal
 */
export type Rule<T> = (ctx: string, name: string, v: unknown) => T;

/** The validated options a rule table yields. @internal */
export type Parsed<R> = { -readonly [K in keyof R]: R[K] extends Rule<infer U> ? U : never };

/**
 * Validates `raw` against a rule table with one rule per option of `T` (a missing option is a
 * type error): refuses a non-object and unknown keys (listing the table's keys, in order),
 * then runs the rules in table order. The result, in the same order, is both the options the
 * schedule uses and the `options` of its spec.
 * @internal
 */
export function parseOptions<T extends object, R extends { [K in keyof T]-?: Rule<T[K]> }>(
  type: string,
  raw: T,
  rules: R,
): Parsed<R> {
  const names = Object.keys(rules);
  const o = keys(type, raw, names);
  const out: Record<string, unknown> = {};
  for (const k of names) out[k] = (rules as Record<string, Rule<unknown>>)[k](type, k, o[k]);
  return out as Parsed<R>;
}

/** A required number satisfying `rule`. @internal */
export const isNum =
  (rule?: NumRule): Rule<number> =>
  (ctx, name, v) =>
    num(ctx, name, v, rule);

/** An optional number satisfying `rule`, `dflt` when absent. @internal */
export const optNumber =
  (dflt: number, rule?: NumRule): Rule<number> =>
  (ctx, name, v) =>
    optNum(ctx, name, v, dflt, rule);

/** An optional boolean, `dflt` when absent. @internal */
export const optBoolean =
  (dflt: boolean): Rule<boolean> =>
  (ctx, name, v) =>
    optBool(ctx, name, v, dflt);

/** One of `allowed` (`dflt` when absent, if given). @internal */
export const isOneOf =
  <T extends string>(allowed: readonly T[], dflt?: T): Rule<T> =>
  (ctx, name, v) =>
    oneOf(ctx, name, v, allowed, dflt);

/** An array of numbers, each satisfying `rule`, optionally sorted. @internal */
export const isNumArray =
  (rule?: NumRule, order?: 'none' | 'increasing' | 'nondecreasing'): Rule<number[]> =>
  (ctx, name, v) =>
    numArray(ctx, name, v, rule, order);
