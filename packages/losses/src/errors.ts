import { brandErrorClass, describe } from '@burnin/internal';

/**
 * Base class of every error thrown by `@burnin/losses` for bad input. Its instances carry the
 * burnin error brand, `Symbol.for('@burnin/error')`, shared by every burnin package's errors.
 */
export class LossError extends Error {
  override name = 'LossError';
  static {
    brandErrorClass(LossError);
  }
}

/**
 * Shapes that do not fit together: `targets` vs `predictions`, `weights` vs the loss, or a box
 * tensor whose last axis is not 4. The message names the function and both shapes.
 */
export class LossShapeError extends LossError {
  override name = 'LossShapeError';
  constructor(
    readonly fn: string,
    readonly field: string,
    readonly shape: readonly number[],
    readonly expected: string,
  ) {
    super(`${fn}: ${field} has shape [${shape.join(', ')}], expected ${expected}`);
  }
}

/** A tensor of the wrong dtype (all losses compute in float32). Names the field and both dtypes. */
export class LossDtypeError extends LossError {
  override name = 'LossDtypeError';
  constructor(
    readonly fn: string,
    readonly field: string,
    readonly dtype: string,
    readonly expected: string,
  ) {
    super(`${fn}: ${field} has dtype ${dtype}, expected ${expected}`);
  }
}

/**
 * An option outside its allowed range: `fn: option x = <value> must be <allowed>`, e.g.
 * `huberLoss: option delta = 0 must be a finite number > 0`. The value stands next to the option
 * (strings unquoted: `format = xy`), as this package's messages have read since 0.1; the words of
 * `allowed` complete "must be" as in the other burnin packages.
 */
export class LossOptionError extends LossError {
  override name = 'LossOptionError';
  constructor(
    readonly fn: string,
    readonly option: string,
    readonly value: unknown,
    readonly allowed: string,
    /** Overrides the generated message. */
    message?: string,
  ) {
    const shown = typeof value === 'string' ? value : describe(value);
    super(message ?? `${fn}: option ${option} = ${shown} must be ${allowed}`);
  }
}
