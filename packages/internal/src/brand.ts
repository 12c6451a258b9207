/**
 * The property that marks burnin errors. A registered symbol (`Symbol.for`), so the copies of
 * this package inlined into each published package agree, as do two installed versions of one
 * package.
 */
export const BURNIN_ERROR: unique symbol = Symbol.for('@burnin/error');

/**
 * Marks every instance of the error class `cls` and of its subclasses as a burnin error (a
 * non-enumerable property of its prototype). Call it once per base class, in a `static` block.
 */
export function brandErrorClass(cls: abstract new (...args: never[]) => Error): void {
  Object.defineProperty(cls.prototype, BURNIN_ERROR, { value: true });
}

/**
 * True for an error thrown by a burnin package for bad input (an instance of any of its error
 * classes, whichever package or copy of it threw). Reads one property; never throws.
 */
export function isBurninError(e: unknown): e is Error {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { [BURNIN_ERROR]?: unknown })[BURNIN_ERROR] === true
  );
}
