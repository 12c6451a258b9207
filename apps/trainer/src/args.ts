import { parseArgs as parseArgv } from 'node:util';
import { MAX_THREADS, parseThreads } from './config.js';
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

/** What a command accepts: see {@link parseArgs}. */
export interface ArgSpec {
  /** Options that take a value (`--name value`, `--name=value`; one letter: `-n value`). */
  strings: readonly string[];
  /** Options that take no value (`--name`). */
  booleans?: readonly string[];
  /** Other long names of an option: `{ output: 'o' }` makes `--output` mean `-o`. */
  aliases?: Record<string, string>;
  /** Most positional arguments allowed (default: any number); more throw {@link UsageError}. */
  maxPositionals?: number;
}

/**
 * Parses a command's arguments with `node:util`'s `parseArgs` (its tokens), in order:
 * `--name value`, `--name=value`, `-n value` for one-letter names; names in `booleans` take
 * no value; flags repeat with the last value winning. Throws {@link UsageError} for an
 * unknown option (`--` included), a missing value, a value that is itself a long option
 * (`--out --resume`; write `--out=--resume` to mean it), a value given to a boolean option,
 * and more positionals than `maxPositionals`.
 */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const booleans = new Set(spec.booleans ?? []);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  const declare = (name: string, type: 'string' | 'boolean') => {
    options[name] = name.length === 1 ? { type, short: name } : { type };
  };
  for (const n of spec.strings) declare(n, 'string');
  for (const n of booleans) declare(n, 'boolean');
  for (const [alias, target] of Object.entries(spec.aliases ?? {}))
    if (options[target]) declare(alias, options[target].type);
  const { tokens } = parseArgv({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') throw new UsageError('unknown option --');
    const name = spec.aliases?.[t.name] ?? t.name;
    const type = options[t.name]?.type;
    // an unknown option is shown as written (with its =value, or its group of short letters)
    if (type === undefined) throw new UsageError(`unknown option ${argv[t.index]}`);
    if (type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value`);
      flags[name] = true;
    } else {
      // `-o=x` means x, as `--out=x` does (node's parseArgs would give '=x')
      const written = argv[t.index];
      if (t.inlineValue && t.rawName.length === 2 && written.startsWith(`${t.rawName}=`))
        t.value = written.slice(3);
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
        throw new UsageError(
          `${t.rawName} needs a value${t.value === undefined ? '' : `, got option ${t.value}`}`,
        );
      flags[name] = t.value;
    }
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

/**
 * The `--threads N|auto` flag value (N in 1..MAX_THREADS), or undefined when absent; anything
 * else is a {@link UsageError} naming the flag and the range.
 */
export function threadsFlag(v: string | boolean | undefined): number | 'auto' | undefined {
  if (v === undefined) return undefined;
  const t = parseThreads(String(v));
  if (t === null)
    throw new UsageError(
      `--threads must be an integer 1..${MAX_THREADS} or 'auto', got ${String(v)}`,
    );
  return t;
}
