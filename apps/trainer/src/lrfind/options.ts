import { parseArgs, threadsFlag, UsageError } from '../args.js';
import { MAX_LEARNING_RATE } from '../config.js';

/** Default first rate of the ramp. */
export const DEFAULT_START = 1e-6;
/** Default last rate of the ramp. */
export const DEFAULT_END = 1;
/** Default ramp length, steps. */
export const DEFAULT_STEPS = 200;
/** Fewest ramp steps: the suggestion skips the first 10 and the last point. */
export const MIN_STEPS = 20;
/** Most ramp steps (each trains one batch). */
export const MAX_STEPS = 10_000;

/** Parsed `burnin lr-find` command line. */
export interface LrFindOptions {
  start: number;
  end: number;
  steps: number;
  preset?: string;
  config?: string;
  backend?: string;
  threads?: number | 'auto';
  /** Output folder; undefined: `runs/lr-find-<timestamp>`. */
  out?: string;
  apply: boolean;
}

/** Long options `lr-find` takes a value for. */
export const LR_FIND_STRINGS = [
  'start',
  'end',
  'steps',
  'preset',
  'config',
  'backend',
  'threads',
  'out',
] as const;

function rate(v: string | boolean | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!(n > 0 && n <= MAX_LEARNING_RATE))
    throw new UsageError(
      `--${name} must be a number in (0, ${MAX_LEARNING_RATE}] (a learning rate), got '${String(v)}'`,
    );
  return n;
}

/**
 * Parses the arguments after `lr-find`. Throws {@link UsageError} (exit 2) naming the flag:
 * `--start` / `--end` must be numbers in (0, 10] (10 = the trainer's largest learning rate)
 * with start < end, `--steps` an integer in 20..10000, `--threads` 1..256 or `auto`; unknown
 * options and stray arguments are refused. `--preset` and `--backend` are checked where they
 * are used (as `train` does).
 */
export function parseLrFindArgs(argv: readonly string[]): LrFindOptions {
  const { flags } = parseArgs(argv, {
    strings: LR_FIND_STRINGS,
    booleans: ['apply'],
    maxPositionals: 0,
  });
  const start = rate(flags.start, 'start', DEFAULT_START);
  const end = rate(flags.end, 'end', DEFAULT_END);
  if (!(start < end))
    throw new UsageError(`--start (${start}) must be below --end (${end}): the ramp goes up`);
  let steps = DEFAULT_STEPS;
  if (flags.steps !== undefined) {
    const v = flags.steps;
    steps = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!(Number.isInteger(steps) && steps >= MIN_STEPS && steps <= MAX_STEPS))
      throw new UsageError(
        `--steps must be an integer ${MIN_STEPS}..${MAX_STEPS}, got '${String(v)}'`,
      );
  }
  const threads = threadsFlag(flags.threads);
  const str = (k: string) => flags[k] as string | undefined;
  return {
    start,
    end,
    steps,
    preset: str('preset'),
    config: str('config'),
    backend: str('backend'),
    threads,
    out: str('out'),
    apply: flags.apply === true,
  };
}
