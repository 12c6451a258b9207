import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { intFlag, UsageError } from '../args.js';
import { TrainerError } from '../errors.js';
import type { CommandIo } from '../io/command-io.js';
import { PRESET_NAMES } from './table.js';

/** The built bench script is missing (running from source without a build). */
export class BenchScriptError extends TrainerError {
  override readonly name = 'BenchScriptError';
}

/**
 * Path of the built bench script: `dist/bench.js` next to the bundled CLI, or, when the CLI
 * runs from source (tests), `apps/trainer/dist/bench.js`. Undefined when neither exists.
 */
export function benchScriptPath(): string | undefined {
  for (const rel of ['./bench.js', '../../dist/bench.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Parsed `burnin bench [preset] [steps]`; throws {@link UsageError} for bad arguments. */
export function parseBenchArgs(argv: readonly string[]): { preset: string; steps: number } {
  const flag = argv.find((a) => a.startsWith('-'));
  if (flag !== undefined) throw new UsageError(`unknown option ${flag}`);
  if (argv.length > 2)
    throw new UsageError(`expected at most [preset] [steps], got ${argv.length} arguments`);
  const preset = argv[0] ?? 'demo';
  if (!(PRESET_NAMES as readonly string[]).includes(preset))
    throw new UsageError(`unknown preset '${preset}' (allowed: ${PRESET_NAMES.join(', ')})`);
  return { preset, steps: intFlag(argv[1], 'steps', 40) };
}

/**
 * `burnin bench [preset] [steps]`: runs the built `bench.js` in a child Node process, its
 * output going to this process' stdout/stderr (or to `io` when given); resolves to its exit
 * code (130 when a signal stopped it).
 */
export async function runBenchCommand(argv: string[], io?: CommandIo): Promise<number> {
  const { preset, steps } = parseBenchArgs(argv);
  const script = benchScriptPath();
  if (!script)
    throw new BenchScriptError(
      'bench: dist/bench.js not found; build first: pnpm --filter @burnin/trainer build',
    );
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script, preset, String(steps)], {
      stdio: io ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    if (io) {
      child.stdout?.setEncoding('utf8').on('data', (t: string) => io.stdout(t));
      child.stderr?.setEncoding('utf8').on('data', (t: string) => io.stderr(t));
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}
