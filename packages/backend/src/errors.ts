import { brandErrorClass, describe } from '@burnin/internal';

/**
 * A backend that was asked for by name cannot run. `backend` is the preference that failed,
 * `fix` says what to do about it (also part of `message`). Like every error of this package it
 * carries the burnin error brand, `Symbol.for('@burnin/error')`.
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  static {
    brandErrorClass(BackendUnavailableError);
  }
  declare readonly backend: string;
  declare readonly fix: string;

  constructor(backend: string, cause: string, fix: string) {
    super(`@burnin/backend: backend '${backend}' is not available: ${cause}. To fix: ${fix}`);
    Object.assign(this, { backend, fix });
  }
}

/**
 * An option has a value outside its allowed set; names the option, the value and the set
 * (`allowed`: the values, or for a range its description such as `'an integer >= 1'`):
 * `@burnin/backend: threads must be 'auto' or an integer >= 1; got 0`, the rule in the words of
 * every burnin package's option errors, the value as `describe` prints it.
 */
export class InvalidBackendOptionError extends Error {
  override readonly name = 'InvalidBackendOptionError';
  static {
    brandErrorClass(InvalidBackendOptionError);
  }
  readonly option: string;
  readonly value: unknown;
  readonly allowed: readonly string[];

  /** `expected` replaces the default "one of 'a', 'b'" wording (e.g. for a numeric range). */
  constructor(option: string, value: unknown, allowed: readonly string[], expected?: string) {
    super(
      `@burnin/backend: ${option} must be ${expected ?? `one of ${allowed.map((a) => `'${a}'`).join(', ')}`}; got ${describe(value)}`,
    );
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}
