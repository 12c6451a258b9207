import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { evaluateCocoFiles } from '@burnin/metrics/node';
import { type CommandIo, EXIT_INPUT, EXIT_OK, EXIT_USAGE, processIo } from '../io/command-io.js';
import { usageOf } from './table.js';

/** `burnin eval --help` (from the command table; both forms of eval), newline-terminated. */
export const EVAL_FILES_USAGE = `${usageOf('eval')}\n`;

/**
 * `burnin eval --gt gt.json --dt dt.json [--json]`. `argv` holds the arguments
 * after `eval`. Prints pycocotools' 12-line summary (or, with `--json`, the 12
 * `stats` and the per-category numbers as JSON) to stdout. Returns the exit code:
 * 0 on success, 1 when a file is missing or malformed (the message names the
 * file, entry and field), 2 for a bad command line.
 */
export async function runEvalFilesCommand(
  argv: string[],
  io: CommandIo = processIo,
): Promise<number> {
  let values: { gt?: string; dt?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gt: { type: 'string' },
        dt: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n\n${EVAL_FILES_USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout(EVAL_FILES_USAGE);
    return EXIT_OK;
  }
  if (!values.gt || !values.dt) {
    io.stderr(`error: both --gt and --dt are required\n\n${EVAL_FILES_USAGE}`);
    return EXIT_USAGE;
  }
  for (const [flag, path] of [
    ['--gt', values.gt],
    ['--dt', values.dt],
  ] as const) {
    try {
      await access(path);
    } catch {
      io.stderr(`error: ${path}: file not found (${flag})\n`);
      return EXIT_INPUT;
    }
  }
  try {
    const result = await evaluateCocoFiles(values.gt, values.dt);
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ stats: result.stats, perCategory: result.perCategory }, null, 2)}\n`,
      );
    } else {
      io.stdout(`${result.summary}\n`);
    }
    return EXIT_OK;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n`);
    return EXIT_INPUT;
  }
}
