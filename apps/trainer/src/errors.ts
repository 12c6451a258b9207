import { brandErrorClass } from '@burnin/internal';

/**
 * Base of the trainer's own errors: the CLI prints one of them as one line (`error: <message>`,
 * no stack) and exits with its `exitCode`: 1 for bad input (a file, a field, the environment),
 * 2 for a usage error. Anything else that reaches the CLI is a bug and keeps its stack. Carries
 * the burnin error brand (`Symbol.for('@burnin/error')`), like the libraries' errors.
 */
export class TrainerError extends Error {
  static {
    brandErrorClass(TrainerError);
  }
  readonly exitCode: 1 | 2 = 1;
}

/**
 * Errors of the burnin libraries that mean bad input (printed as one line, exit 1), by class
 * name: the CLI cannot import the libraries' classes without loading tfjs for `--help`.
 * test/cli.test.ts checks this list against the classes the libraries export.
 */
export const LIBRARY_INPUT_ERRORS: ReadonlySet<string> = new Set([
  'ScheduleOptionError',
  'ScheduleStepError',
  'ScheduleOverflowError',
  'ScheduleParseError',
  'ScheduleSerializationError',
  'CocoFormatError',
  'MetricsInputError',
  'BackendUnavailableError',
  'InvalidBackendOptionError',
  'LossError',
  'LossShapeError',
  'LossDtypeError',
  'LossOptionError',
  'AdapterOptionError',
  'MissingGradientError',
]);

/**
 * The exit code an error maps to: its numeric `exitCode` (every `TrainerError` has one: 1 bad
 * input, 2 usage), else 1 for the burnin libraries' input errors ({@link LIBRARY_INPUT_ERRORS});
 * undefined for anything else, e.g. a `RangeError` or `ReferenceError` from a bug (the caller
 * rethrows it with its stack).
 */
export function exitCodeOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { exitCode?: unknown }).exitCode;
  if (typeof code === 'number' && Number.isInteger(code) && code > 0) return code;
  if (e instanceof Error && LIBRARY_INPUT_ERRORS.has(e.name)) return 1;
  return undefined;
}
