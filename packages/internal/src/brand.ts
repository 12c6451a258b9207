/**
 * The property every burnin error class sets on its instances. A registered symbol
 * (`Symbol.for`), so the copies of this package inlined into each published package agree, as
 * do two installed versions of one package.
 */
export const BURNIN_ERROR: unique symbol = Symbol.for('@burnin/error');

/** Brands `error` as a burnin error (call it in the constructor of each error class). */
export function brandError<E extends Error>(error: E): E {
  Object.defineProperty(error, BURNIN_ERROR, { value: true });
  return error;
}

/**
 * True for an error thrown by a burnin package for bad input (any of its error classes,
 * whichever package or copy of it threw). Reads one property; never throws.
 */
export function isBurninError(e: unknown): e is Error {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { [BURNIN_ERROR]?: unknown })[BURNIN_ERROR] === true
  );
}
