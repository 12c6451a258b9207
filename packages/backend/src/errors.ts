/**
 * A backend that was asked for by name cannot run. `backend` is the preference that failed,
 * `fix` says what to do about it (also part of `message`).
 */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  readonly backend: string;
  readonly fix: string;

  constructor(backend: string, cause: string, fix: string) {
    super(`@burnin/backend: backend '${backend}' is not available: ${cause}. To fix: ${fix}`);
    this.backend = backend;
    this.fix = fix;
  }
}

/** An option has a value outside its allowed set; names the option, the value and the set. */
export class InvalidBackendOptionError extends Error {
  override readonly name = 'InvalidBackendOptionError';
  readonly option: string;
  readonly value: unknown;
  readonly allowed: readonly string[];

  constructor(option: string, value: unknown, allowed: readonly string[]) {
    super(
      `@burnin/backend: ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}; got ${JSON.stringify(value)}`,
    );
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}
