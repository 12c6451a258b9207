import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  asciiPlot,
  fromJSON,
  fromKerasConfig,
  parseLearningRateConfig,
  parsePipelineConfig,
  type Schedule,
  svgPlot,
} from '@burnin/schedules';
import { parse as parseYaml } from 'yaml';
import { scheduleFromRunConfig } from '../config.js';
import { TrainerError } from '../errors.js';
import { type CommandIo, EXIT_INPUT, EXIT_OK, EXIT_USAGE, processIo } from '../io/command-io.js';
import { usageOf } from './table.js';

/** `burnin schedule --help` (from the command table), newline-terminated. */
export const SCHEDULE_USAGE = `${usageOf('schedule')}\n`;

/** A schedule and, when the input said so, how many steps it is meant to run. */
export interface LoadedSchedule {
  schedule: Schedule;
  /** `num_steps` of a pipeline.config or `steps` of a run config. */
  steps?: number;
  /** Which kind of input it was. */
  kind: 'spec' | 'keras' | 'pipeline' | 'learning_rate' | 'run-config';
}

/** A schedule input that cannot be used; `source` names the file (or `<argument>`). */
export class ScheduleInputError extends TrainerError {
  override readonly name = 'ScheduleInputError';
  constructor(
    readonly source: string,
    reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function fromTfText(text: string): LoadedSchedule {
  // A whole pipeline.config has an optimizer block around learning_rate.
  if (/\boptimizer\s*\{/.test(text) || /\btrain_config\s*\{/.test(text)) {
    const parsed = parsePipelineConfig(text);
    return { schedule: parsed.learningRate, steps: positiveInt(parsed.numSteps), kind: 'pipeline' };
  }
  return { schedule: parseLearningRateConfig(text), kind: 'learning_rate' };
}

function fromValue(value: unknown, source: string, nested: boolean): LoadedSchedule {
  if (typeof value === 'string') {
    if (/learning_rate\s*\{/.test(value)) return fromTfText(value);
    throw new ScheduleInputError(source, `"schedule" string is not a learning_rate { ... } block`);
  }
  if (!isObject(value)) {
    throw new ScheduleInputError(
      source,
      `expected a JSON/YAML object, got ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  if ('class_name' in value) return { schedule: fromKerasConfig(value), kind: 'keras' };
  if ('type' in value) return { schedule: fromJSON(value), kind: 'spec' };
  if (!nested && 'schedule' in value) {
    const inner = fromValue(value.schedule, source, true);
    const train = isObject(value.train) ? value.train : {};
    const steps = positiveInt(value.steps) ?? positiveInt(train.steps) ?? inner.steps;
    return { schedule: inner.schedule, steps, kind: 'run-config' };
  }
  // The trainer's own run config: `train.schedule` (or the default schedule) and `train.steps`.
  if (!nested && isObject(value.train))
    return { ...scheduleFromRunConfig(value), kind: 'run-config' };
  throw new ScheduleInputError(
    source,
    nested
      ? '"schedule" must be a @burnin/schedules spec ({ type, options }), a Keras schedule config ({ class_name, config }) or a learning_rate { ... } block'
      : 'not a @burnin/schedules spec ({ type, options }), a Keras schedule config ({ class_name, config }) or a run config with a "schedule" field',
  );
}

/**
 * Builds a schedule from the text of a spec/config. `source` is used in error
 * messages; `extension` (e.g. `.yaml`) picks the parser when it is known.
 * Throws {@link ScheduleInputError} (or the schedules package's typed errors,
 * which the command prefixes with the source) for unusable input.
 */
export function loadScheduleText(text: string, source: string, extension = ''): LoadedSchedule {
  const ext = extension.toLowerCase();
  const trimmed = text.trim();
  if (trimmed === '') throw new ScheduleInputError(source, 'empty input');
  if (ext === '.json' || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      if (ext === '.json' || !/learning_rate\s*\{/.test(trimmed)) {
        throw new ScheduleInputError(source, `not valid JSON: ${(err as Error).message}`);
      }
      return fromTfText(text);
    }
    return fromValue(value, source, false);
  }
  if (ext !== '.yaml' && ext !== '.yml' && /learning_rate\s*\{/.test(trimmed))
    return fromTfText(text);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new ScheduleInputError(source, `not valid YAML: ${(err as Error).message}`);
  }
  return fromValue(value, source, false);
}

function intOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(
      `--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return v;
}

/**
 * `burnin schedule <spec-or-config> [--steps N] [--svg out.svg] [--width W] [--height H]`.
 * `argv` holds the arguments after `schedule`. Prints the ASCII plot of steps
 * 0..N to stdout and writes the SVG (atomically: temp file, then rename).
 * Returns 0 on success, 1 for unreadable or invalid input (the message names
 * the file), 2 for a bad command line.
 */
export async function runScheduleCommand(
  argv: string[],
  io: CommandIo = processIo,
): Promise<number> {
  let values: { steps?: string; svg?: string; width?: string; height?: string; help?: boolean };
  let positionals: string[];
  let steps: number | undefined;
  let width: number;
  let height: number;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        steps: { type: 'string' },
        svg: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (values.help) {
      io.stdout(SCHEDULE_USAGE);
      return EXIT_OK;
    }
    if (positionals.length !== 1) {
      throw new Error(`expected one <spec-or-config> argument, got ${positionals.length}`);
    }
    steps = intOption('steps', values.steps, 1, 100_000_000);
    width = intOption('width', values.width, 16, 1000) ?? 72;
    height = intOption('height', values.height, 4, 200) ?? 16;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}\n\n${SCHEDULE_USAGE}`);
    return EXIT_USAGE;
  }

  const arg = positionals[0];
  const isInline = !existsSync(arg) && /[{:]/.test(arg);
  const source = isInline ? '<argument>' : arg;
  try {
    let text: string;
    if (isInline) {
      text = arg;
    } else {
      try {
        text = await readFile(arg, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ScheduleInputError(
          arg,
          code === 'ENOENT' ? 'file not found' : (err as Error).message,
        );
      }
    }
    const loaded = loadScheduleText(text, source, isInline ? '' : extname(arg));
    const n = steps ?? loaded.steps ?? 1000;
    const ascii = asciiPlot(loaded.schedule, { steps: n, width, height });
    const svg = svgPlot(loaded.schedule, { steps: n });
    const svgPath = values.svg ?? 'schedule.svg';
    const tmp = `${svgPath}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, svg);
      await rename(tmp, svgPath);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new ScheduleInputError(svgPath, `cannot write SVG: ${(err as Error).message}`);
    }
    io.stdout(
      `${loaded.schedule.spec.type} (${loaded.kind}), steps 0..${n}\n${ascii.replace(/\n?$/, '\n')}wrote ${svgPath}\n`,
    );
    return EXIT_OK;
  } catch (err) {
    const msg = (err as Error).message;
    io.stderr(`error: ${err instanceof ScheduleInputError ? msg : `${source}: ${msg}`}\n`);
    return EXIT_INPUT;
  }
}
