/** The error tfjs-core throws when an op's gradient is not registered (tfjs 4.x wording). */
const MISSING = /gradient function not found for (\w+)/;

/**
 * Thrown by {@link ScheduledOptimizer}'s `minimize` / `computeGradients` in place of tfjs's
 * "gradient function not found for X": tfjs-core alone registers no gradients, and the fix is
 * one import away. `kernel` names the op whose gradient is missing; `cause` is tfjs's error.
 */
export class MissingGradientError extends Error {
  override name = 'MissingGradientError';
  constructor(
    readonly kernel: string,
    cause: Error,
  ) {
    super(
      `no gradient is registered for ${kernel}: tfjs-core registers none by itself. Import '@tensorflow/tfjs' (it registers every gradient), or with tfjs-core + a backend call initBackend() from '@burnin/backend' (it registers them too) before training`,
      { cause },
    );
  }
}

/** Runs `f`, turning tfjs's missing-gradient error into a {@link MissingGradientError}. */
export function withGradientHint<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    const m = e instanceof Error ? MISSING.exec(e.message) : null;
    if (m) throw new MissingGradientError(m[1], e as Error);
    throw e;
  }
}
