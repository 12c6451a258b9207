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
