/** Base class of every error thrown by `@burnin/losses` for bad input. */
export class LossError extends Error {
  override name = 'LossError';
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

/** An option outside its allowed range. Names the option, the value and the allowed range. */
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
    super(message ?? `${fn}: option ${option} = ${String(value)} is invalid, allowed: ${allowed}`);
  }
}
