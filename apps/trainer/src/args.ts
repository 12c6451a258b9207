import { TrainerError } from './errors.js';
/**
 * Error for bad command-line usage (exit code 2). With `showUsage`, the CLI prints the
 * command's usage after the message (for a missing required argument).
 */
export class UsageError extends TrainerError {
  override name = 'UsageError';
  override readonly exitCode = 2;
  readonly showUsage: boolean;
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.showUsage = options.showUsage ?? false;
  }
}

/** Parsed arguments: flags by name (booleans for bare flags) and positionals. */
export interface ParsedArgs {
  flags: Record<string, string | boolean>;
  positionals: string[];
}

/**
 * Minimal parser: `--name value`, `--name=value`, `-o value`; names in `booleans` take no
 * value. Unknown flags, a missing value and a value that is itself a long option
 * (`--out --resume`; write `--out=--resume` to mean it) throw {@link UsageError}.
 */
export function parseArgs(
  argv: readonly string[],
  spec: {
    strings: readonly string[];
    booleans?: readonly string[];
    aliases?: Record<string, string>;
    /** Most positional arguments allowed (default: any number); more throw {@link UsageError}. */
    maxPositionals?: number;
  },
): ParsedArgs {
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const booleans = new Set(spec.booleans ?? []);
  const strings = new Set(spec.strings);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const shown = eq >= 0 ? a.slice(0, a.indexOf('=')) : a;
    name = spec.aliases?.[name] ?? name;
    if (booleans.has(name)) {
      if (value !== undefined) throw new UsageError(`${shown} takes no value`);
      flags[name] = true;
    } else if (strings.has(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined || value.startsWith('--'))
          throw new UsageError(
            `${shown} needs a value${value === undefined ? '' : `, got option ${value}`}`,
          );
      }
      flags[name] = value;
    } else throw new UsageError(`unknown option ${a}`);
  }
  const max = spec.maxPositionals ?? Number.POSITIVE_INFINITY;
  if (positionals.length > max)
    throw new UsageError(
      `unexpected argument '${positionals[max]}'${max === 0 ? ' (this command takes options only)' : ''}`,
    );
  return { flags, positionals };
}

/** A positive integer flag value, or `fallback` when absent. */
export function intFlag(v: string | boolean | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got ${String(v)}`);
  return n;
}

/** A finite number flag value in [min, max], or `fallback` when absent ('' is not a number). */
export function numberFlag(
  v: string | boolean | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`--${name} must be a number in [${min}, ${max}], got '${String(v)}'`);
  return n;
}
