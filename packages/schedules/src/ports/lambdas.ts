/**
 * Named user functions (torch `lr_lambda`, `CyclicLR`'s `scale_fn`). A schedule holding a
 * function can be serialized only when the function was registered by name: its spec then
 * holds the name and `fromJSON` looks the function up again.
 * @module
 */

import type { Rule } from '../core/options.js';
import { ScheduleOptionError } from '../errors.js';

/** A user function of the epoch (or cycle / iteration, for `scaleFn`). */
export type LambdaFn = (x: number) => number;

const byName = new Map<string, LambdaFn>();
const byFn = new Map<LambdaFn, string>();

/** Placeholder written in a spec for a function that was not registered. @internal */
export const UNREGISTERED = '[unregistered function]';

const NAME = /^[A-Za-z_$][\w$.:-]*$/;

/**
 * Registers `fn` under `name`, so that schedules built with `fn` (or with the string `name`)
 * serialize with `toJSON` and come back with `fromJSON`. Registering a name again replaces
 * its function. Names: a letter, `_` or `$`, then letters, digits, `_ $ . : -`.
 * @example
 * registerLambda('warmup', (e) => Math.min(1, (e + 1) / 100));
 * const s = torch.lambdaLR({ lr: 0.1, lrLambda: 'warmup' }); // or lrLambda: the same function
 * fromJSON(toJSON(s))(5) === s(5); // true
 */
export function registerLambda(name: string, fn: LambdaFn): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ScheduleOptionError(
      'registerLambda',
      'name',
      name,
      'a name: a letter, "_" or "$", then letters, digits, "_", "$", ".", ":" or "-"',
    );
  }
  if (typeof fn !== 'function') {
    throw new ScheduleOptionError('registerLambda', 'fn', fn, 'a function');
  }
  const old = byName.get(name);
  if (old !== undefined && byFn.get(old) === name) byFn.delete(old);
  byName.set(name, fn);
  byFn.set(fn, name);
}

/** Names registered with {@link registerLambda}. */
export function registeredLambdas(): string[] {
  return [...byName.keys()];
}

/**
 * Validates a function-valued option: a function or the name of a registered one.
 * Returns the function and the value to write in the spec (its name, or {@link UNREGISTERED}).
 */
function lambdaOption(ctx: string, name: string, v: unknown): { fn: LambdaFn; spec: string } {
  if (typeof v === 'function') {
    const fn = v as LambdaFn;
    return { fn, spec: byFn.get(fn) ?? UNREGISTERED };
  }
  if (typeof v === 'string') {
    const fn = byName.get(v);
    if (fn !== undefined) return { fn, spec: v };
  }
  const known = [...byName.keys()];
  throw new ScheduleOptionError(
    ctx,
    name,
    v,
    `a function or the name of a function registered with registerLambda (registered: ${known.length ? known.map((k) => `"${k}"`).join(', ') : 'none'})`,
  );
}

/** A validated function option: the function, carrying the name its spec records. @internal */
export type NamedLambda = LambdaFn & { readonly spec: string };

/**
 * A function-valued option (a function or the name of a registered one), yielded as a
 * function whose `spec` is the name the schedule's spec records (or {@link UNREGISTERED}).
 * @internal
 */
export const isLambda: Rule<NamedLambda> = (ctx, name, v) => {
  const { fn, spec } = lambdaOption(ctx, name, v);
  return Object.defineProperty(fn.bind(undefined), 'spec', { value: spec }) as NamedLambda;
};

/** Like {@link isLambda}; absent or `null`: `undefined` (left out of the spec). @internal */
export const optLambda: Rule<NamedLambda | undefined> = (ctx, name, v, prev) =>
  v === undefined || v === null ? undefined : isLambda(ctx, name, v, prev);
