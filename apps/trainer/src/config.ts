import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  exponentialDecayWithBurnin,
  fromJSON,
  fromKerasConfig,
  type PipelineConfig,
  parseLearningRateConfig,
  parsePipelineConfig,
  type Schedule,
} from '@burnin/schedules';
import YAML from 'yaml';
import { z } from 'zod';

/** Error for an invalid configuration; `path` names the bad field (e.g. `train.batchSize`). */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly path = '',
    readonly file?: string,
  ) {
    super(message);
  }
}

const posInt = z.number().int().positive();

/** Most worker threads a run may use. */
export const MAX_THREADS = 256;
const THREADS_MESSAGE = `must be an integer 1..${MAX_THREADS} or 'auto'`;
/** `train.threads`: data-parallel threads (main + workers), or 'auto' (all cores). */
const threadsSchema = z
  .custom<number | 'auto'>(
    (v) =>
      v === 'auto' || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_THREADS),
    (v) => ({ message: `${THREADS_MESSAGE}, got ${JSON.stringify(v)}` }),
  )
  .default('auto');

/** The thread count a `train.threads` / `--threads` value means on this machine. */
export function resolveThreads(v: number | 'auto'): number {
  return v === 'auto' ? Math.min(MAX_THREADS, Math.max(1, availableParallelism())) : v;
}

/**
 * Parses a `--threads` value (`N` in 1..256 or `auto`); returns null when it is invalid
 * (callers throw their own error kind).
 */
export function parseThreads(v: string): number | 'auto' | null {
  if (v === 'auto') return 'auto';
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 1 && n <= MAX_THREADS ? n : null;
}

/** The schedule: a @burnin/schedules JSON spec, a Keras config, or a TF OD API text block. */
const scheduleSchema = z.union([
  z.object({ type: z.string() }).passthrough(),
  z.object({ class_name: z.string(), config: z.record(z.unknown()) }).passthrough(),
  z.string().min(1),
]);

export const configSchema = z
  .object({
    seed: z.number().int().nonnegative().default(0),
    data: z
      .object({
        kind: z.enum(['synthetic', 'coco']).default('synthetic'),
        imageSize: z.number().int().min(32).multipleOf(16).default(128),
        trainSize: posInt.default(4000),
        valSize: posInt.default(100),
        maxObjects: posInt.max(50).default(5),
        /** COCO-format datasets (when kind is 'coco'). */
        train: z.object({ annotations: z.string(), images: z.string() }).strict().optional(),
        val: z.object({ annotations: z.string(), images: z.string() }).strict().optional(),
        augment: z.boolean().default(true),
      })
      .strict()
      .default({}),
    model: z
      .object({
        widths: z.tuple([posInt, posInt, posInt]).default([16, 32, 64]),
        headWidth: posInt.default(32),
      })
      .strict()
      .default({}),
    train: z
      .object({
        steps: posInt.default(1000),
        batchSize: posInt.max(256).default(16),
        optimizer: z.enum(['adam', 'sgd', 'momentum']).default('adam'),
        momentum: z.number().min(0).max(1).default(0.9),
        clipNorm: z.number().positive().optional(),
        lossWeights: z
          .object({ heatmap: z.number().nonnegative(), box: z.number().nonnegative() })
          .strict()
          .default({ heatmap: 1, box: 2 }),
        schedule: scheduleSchema.optional(),
        logEvery: posInt.default(10),
        evalEvery: posInt.default(200),
        checkpointEvery: posInt.default(100),
        /**
         * Data-parallel threads: the batch is split into this many shards computed
         * concurrently (main thread + worker_threads). 'auto' = os.availableParallelism().
         */
        threads: threadsSchema,
      })
      .strict()
      .default({}),
  })
  .strict();

/** A validated, fully defaulted run configuration. */
export type TrainConfig = z.infer<typeof configSchema>;
/** Input form of {@link TrainConfig} (every field optional). */
export type TrainConfigInput = z.input<typeof configSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Named presets; `default` is the schema defaults. */
export const PRESETS: Record<string, DeepPartial<TrainConfigInput>> = {
  default: {},
  smoke: {
    data: { imageSize: 32, trainSize: 32, valSize: 4, maxObjects: 2 },
    model: { widths: [4, 8, 8], headWidth: 8 },
    train: { steps: 16, batchSize: 4, logEvery: 2, evalEvery: 8, checkpointEvery: 4 },
  },
  compare: {
    data: { imageSize: 64, trainSize: 2000, valSize: 50, maxObjects: 3 },
    model: { widths: [8, 16, 32], headWidth: 16 },
    train: { steps: 300, batchSize: 8, logEvery: 10, evalEvery: 30, checkpointEvery: 100 },
  },
  demo: {
    data: { imageSize: 96, trainSize: 4000, valSize: 100, maxObjects: 4 },
    model: { widths: [16, 32, 48], headWidth: 32 },
    train: { steps: 4000, batchSize: 8, logEvery: 20, evalEvery: 500, checkpointEvery: 100 },
  },
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge (objects merge, arrays and scalars replace). */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

/** Validates a config object; throws {@link ConfigError} naming the first bad field. */
export function validateConfig(input: unknown, file?: string): TrainConfig {
  const r = configSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.join('.');
  const where = file ? `${file}: ` : '';
  throw new ConfigError(
    `${where}invalid config at '${path || '(root)'}': ${issue.message}`,
    path,
    file,
  );
}

/** Reads a YAML or JSON config file (JSON is valid YAML). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`, '', file);
  }
  try {
    return YAML.parse(text) ?? {};
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML/JSON: ${(e as Error).message}`, '', file);
  }
}

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  preset?: string;
  configFile?: string;
  /** TF OD API pipeline.config text: supplies the schedule, batch size and num_steps. */
  pipelineConfigText?: string;
  pipelineConfigFile?: string;
}

/** Preset, then config file, then pipeline config, validated. */
export function resolveConfig(o: ResolveOptions = {}): TrainConfig {
  const presetName = o.preset ?? 'default';
  const preset = PRESETS[presetName];
  if (!preset)
    throw new ConfigError(
      `unknown preset '${presetName}' (allowed: ${Object.keys(PRESETS).join(', ')})`,
      'preset',
    );
  let merged: unknown = preset;
  if (o.configFile) merged = mergeConfig(merged, readConfigFile(o.configFile));
  if (o.pipelineConfigText !== undefined) {
    const p = parsePipeline(o.pipelineConfigText, o.pipelineConfigFile);
    const optimizer =
      p.optimizer === 'adam_optimizer'
        ? 'adam'
        : p.optimizer === 'momentum_optimizer'
          ? 'momentum'
          : undefined;
    if (p.optimizer && !optimizer)
      throw new ConfigError(
        `${o.pipelineConfigFile ?? 'pipeline config'}: optimizer '${p.optimizer}' is not supported (adam_optimizer, momentum_optimizer)`,
        'train.optimizer',
        o.pipelineConfigFile,
      );
    merged = mergeConfig(merged, {
      train: {
        schedule: o.pipelineConfigText,
        ...(p.batchSize ? { batchSize: p.batchSize } : {}),
        ...(p.numSteps ? { steps: p.numSteps } : {}),
        ...(optimizer ? { optimizer } : {}),
        ...(optimizer === 'momentum' && p.momentum !== undefined ? { momentum: p.momentum } : {}),
      },
    });
  }
  const cfg = validateConfig(merged, o.configFile);
  buildSchedule(cfg); // fail early on a bad schedule
  return cfg;
}

function parsePipeline(text: string, file?: string): PipelineConfig {
  try {
    return parsePipelineConfig(text);
  } catch (e) {
    throw new ConfigError(`${file ?? 'pipeline config'}: ${(e as Error).message}`, '', file);
  }
}

/** The default schedule: TF OD API exponential decay with burn-in, scaled to `steps`. */
export function defaultSchedule(steps: number): (step: number) => number {
  const burnin = Math.max(1, Math.round(steps * 0.05));
  return exponentialDecayWithBurnin({
    learningRateBase: 4e-3,
    learningRateDecaySteps: Math.max(1, Math.round(steps / 4)),
    learningRateDecayFactor: 0.5,
    burninLearningRate: 4e-4,
    burninSteps: burnin,
    minLearningRate: 5e-5,
  });
}

/** Builds `step -> learning rate` from the config (default when none is given). */
export function buildSchedule(cfg: TrainConfig): (step: number) => number {
  const spec = cfg.train.schedule;
  if (spec === undefined) return defaultSchedule(cfg.train.steps);
  let schedule: Schedule;
  try {
    if (typeof spec === 'string')
      schedule = /\btrain_config\b|\boptimizer\s*[:{]/.test(spec)
        ? parsePipelineConfig(spec).learningRate
        : parseLearningRateConfig(spec);
    else if ('class_name' in spec)
      schedule = fromKerasConfig(spec as Parameters<typeof fromKerasConfig>[0]);
    else schedule = fromJSON(spec);
    schedule(0);
  } catch (e) {
    throw new ConfigError(
      `invalid config at 'train.schedule': ${(e as Error).message}`,
      'train.schedule',
    );
  }
  return schedule;
}
