import { ScheduleOptionError } from '../errors.js';
import { type Schedule, scheduleArray, scheduleOption } from './schedule.js';
import { fail, type NumRule, num, numArray, oneOf, optBool, optNum } from './validate.js';

/**
 * Validates one option: `ctx` is the schedule's type, `name` the option as written, `v` the
 * raw value, `prev` the options the table's earlier rules yielded. Returns the value the
 * schedule uses, which is also what its spec records (defaults filled in; `undefined` is left
 * out of the spec; a schedule or a named function is recorded as its own `spec`).
 * @internal
 */
export type Rule<T> = (
  ctx: string,
  name: string,
  v: unknown,
  prev: Readonly<Record<string, unknown>>,
) => T;

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
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ScheduleOptionError(type, 'options', raw, 'an options object');
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!names.includes(k)) {
      throw new ScheduleOptionError(
        type,
        k,
        o[k],
        `left out: it is not an option (known options: ${names.join(', ')})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const k of names) out[k] = (rules as Record<string, Rule<unknown>>)[k](type, k, o[k], out);
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

/** An optional number satisfying `rule`; `null` when absent or `null`. @internal */
export const numOrNull =
  (rule?: NumRule): Rule<number | null> =>
  (ctx, name, v) =>
    v === undefined || v === null ? null : num(ctx, name, v, rule);

/** An optional number satisfying `rule`; `undefined` (left out of the spec) when absent. @internal */
export const numOrAbsent =
  (rule?: NumRule): Rule<number | undefined> =>
  (ctx, name, v) =>
    v === undefined ? undefined : num(ctx, name, v, rule);

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

/** An array of numbers, each satisfying `rule`, optionally sorted (`dflt`, if given, when absent or `null`). @internal */
export const isNumArray =
  (
    rule?: NumRule,
    order?: 'none' | 'increasing' | 'nondecreasing',
    dflt?: readonly number[],
  ): Rule<number[]> =>
  (ctx, name, v) =>
    numArray(ctx, name, (v === undefined || v === null) && dflt ? dflt : v, rule, order);

/** An optional string; `undefined` when absent. @internal */
export const optString: Rule<string | undefined> = (ctx, name, v) => {
  if (v !== undefined && typeof v !== 'string') {
    throw new ScheduleOptionError(ctx, name, v, 'a string');
  }
  return v;
};

/** A schedule of this package (its spec records the schedule's spec). @internal */
export const isScheduleOption: Rule<Schedule> = (ctx, name, v) => scheduleOption(ctx, name, v);

/** An array of at least `minLength` schedules (the spec records their specs). @internal */
export const isScheduleArray =
  (minLength = 1): Rule<Schedule[]> =>
  (ctx, name, v) =>
    scheduleArray(ctx, name, v, minLength);

/** Accepted and left out of the spec (an option another schedule sharing the options reads). @internal */
export const ignored: Rule<undefined> = () => undefined;

/**
 * The rule `rules[prev[key]]` for the value an earlier option `key` took (darknet's `policy`);
 * no rule there: the option is not read (accepted, left out of the spec).
 * @internal
 */
export const per =
  <T>(key: string, rules: Readonly<Record<string, Rule<T>>>): Rule<T | undefined> =>
  (ctx, name, v, prev) => {
    const rule = rules[prev[key] as string];
    return rule === undefined ? undefined : rule(ctx, name, v, prev);
  };

/** `rule`, always checked, but recorded only when the earlier option `key` is given (torch's `scaleMode`). @internal */
export const recordedWith =
  <T>(key: string, rule: Rule<T>): Rule<T | undefined> =>
  (ctx, name, v, prev) => {
    const value = rule(ctx, name, v, prev);
    return prev[key] === undefined ? undefined : value;
  };

/**
 * `rule`'s array, required to hold `prev[key].length + offset` entries (an earlier array
 * option `key`; `noun` names the entries in the error).
 * @internal
 */
export const sizedBy =
  <T>(key: string, offset: number, noun: string, rule: Rule<T[]>): Rule<T[]> =>
  (ctx, name, v, prev) => {
    const list = rule(ctx, name, v, prev);
    const n = (prev[key] as readonly unknown[]).length + offset;
    if (list.length !== n) {
      const rel = offset === 0 ? '' : ` ${offset < 0 ? '-' : '+'} ${Math.abs(offset)}`;
      fail(ctx, name, list, `an array of ${key}.length${rel} = ${n} ${noun}`);
    }
    return list;
  };
