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

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * An option has a value outside its allowed set; names the option, the value and the set
 * (`allowed`: the values, or for a range its description such as `'an integer >= 1'`).
 */
export class InvalidBackendOptionError extends Error {
  override readonly name = 'InvalidBackendOptionError';
  readonly option: string;
  readonly value: unknown;
  readonly allowed: readonly string[];

  /** `expected` replaces the default "one of 'a', 'b'" wording (e.g. for a numeric range). */
  constructor(option: string, value: unknown, allowed: readonly string[], expected?: string) {
    super(
      `@burnin/backend: ${option} must be ${expected ?? `one of ${allowed.map((a) => `'${a}'`).join(', ')}`}; got ${show(value)}`,
    );
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}
