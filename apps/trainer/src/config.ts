import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
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
import { UsageError } from './args.js';
import { TrainerError } from './errors.js';

/**
 * Error for an invalid configuration; `path` names the bad field (e.g. `train.batchSize`).
 * `exitCode` 1: the CLI prints the message on one line and exits 1.
 */
export class ConfigError extends TrainerError {
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

/** An integer in `min..max`; the message states the range (validateConfig adds the value). */
const intIn = (min: number, max: number, extra = '') => {
  const message = `must be an integer ${min}..${max}${extra}`;
  return z.number({ invalid_type_error: message }).int(message).min(min, message).max(max, message);
};

/** Most optimizer steps a run may have (`train.steps`, TF OD `num_steps`). */
export const MAX_STEPS = 10_000_000;
/** Largest `data.imageSize` (pixels; a multiple of 16). */
export const MAX_IMAGE_SIZE = 2048;
/** Largest synthetic `data.trainSize` (images; the epoch permutation takes 4 bytes each). */
export const MAX_TRAIN_SIZE = 10_000_000;
/** Largest synthetic `data.valSize` (images; every evaluation renders and runs all of them). */
export const MAX_VAL_SIZE = 100_000;
/** Largest `model.widths[i]` and `model.headWidth` (channels). */
export const MAX_WIDTH = 1024;
/** Largest loss weight (`train.lossWeights.heatmap` / `.box`). */
export const MAX_LOSS_WEIGHT = 1000;
/**
 * Largest learning rate the schedule may reach at any step of a run. Far above any rate
 * these optimizers train with (Adam ~1e-3, SGD/momentum <= 1): a larger value is a typo
 * (a rate of 1e30 turns every weight into NaN or Infinity on the first update).
 */
export const MAX_LEARNING_RATE = 10;
/** Most memory the training estimate ({@link estimateTrainingBytes}) may reach. */
export const MAX_TRAINING_BYTES = 16 * 2 ** 30;

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
 * The training threads of a run of `cfg` (`threads` overrides `train.threads`): resolved
 * ('auto' = all cores) and at most one per image of a batch.
 */
export function runThreads(cfg: TrainConfig, threads?: number | 'auto'): number {
  return Math.min(resolveThreads(threads ?? cfg.train.threads), cfg.train.batchSize);
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

const LOSS_WEIGHT_MESSAGE = `must be a number 0..${MAX_LOSS_WEIGHT}`;
const lossWeight = z
  .number({ invalid_type_error: LOSS_WEIGHT_MESSAGE })
  .min(0, LOSS_WEIGHT_MESSAGE)
  .max(MAX_LOSS_WEIGHT, LOSS_WEIGHT_MESSAGE);

/** The schedule: a @burnin/schedules JSON spec, a Keras config, or a TF OD API text block. */
const scheduleSchema = z.union([
  z.object({ type: z.string() }).passthrough(),
  z.object({ class_name: z.string(), config: z.record(z.unknown()) }).passthrough(),
  z.string().min(1),
]);

export const configSchema = z
  .object({
    seed: intIn(0, 0xffffffff, ' (a 32-bit seed)').default(0),
    data: z
      .object({
        kind: z.enum(['synthetic', 'coco']).default('synthetic'),
        imageSize: intIn(32, MAX_IMAGE_SIZE, ', a multiple of 16')
          .multipleOf(16, `must be an integer 32..${MAX_IMAGE_SIZE}, a multiple of 16`)
          .default(128),
        trainSize: intIn(1, MAX_TRAIN_SIZE).default(4000),
        valSize: intIn(1, MAX_VAL_SIZE).default(100),
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
        widths: z
          .tuple([intIn(1, MAX_WIDTH), intIn(1, MAX_WIDTH), intIn(1, MAX_WIDTH)])
          .default([16, 32, 64]),
        headWidth: intIn(1, MAX_WIDTH).default(32),
      })
      .strict()
      .default({}),
    train: z
      .object({
        steps: intIn(1, MAX_STEPS).default(1000),
        batchSize: intIn(1, 256).default(16),
        optimizer: z.enum(['adam', 'sgd', 'momentum']).default('adam'),
        momentum: z.number().min(0).max(1).default(0.9),
        clipNorm: z.number().positive().optional(),
        lossWeights: z
          .object({ heatmap: lossWeight, box: lossWeight })
          .strict()
          .refine((w) => w.heatmap > 0 || w.box > 0, {
            message:
              'heatmap and box are both 0: the loss would be 0 and nothing would train (set at least one > 0)',
          })
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

/** The value at `path` inside `input`, or undefined. */
function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    const t = JSON.stringify(v);
    return t.length > 60 ? `${t.slice(0, 57)}...` : t;
  } catch {
    return typeof v;
  }
}

/** Validates a config object; throws {@link ConfigError} naming the first bad field. */
export function validateConfig(input: unknown, file?: string): TrainConfig {
  const r = configSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.join('.');
    const where = file ? `${file}: ` : '';
    const got = valueAt(input, issue.path);
    const value = got === undefined || typeof got === 'object' ? '' : `, got ${show(got)}`;
    throw new ConfigError(
      `${where}invalid config at '${path || '(root)'}': ${issue.message}${value}`,
      path,
      file,
    );
  }
  checkMemory(r.data, file);
  return r.data;
}

/**
 * Rough upper estimate of the memory one training step needs, in bytes: every float32
 * tensor of the forward pass (conv output, bias add, activation) kept for the backward
 * pass, the same again for the gradients, the batch's images in JS, and the weights with
 * their gradients and optimizer slots. Compared against {@link MAX_TRAINING_BYTES}. Within
 * about 6% of the tensor peak `tf.profile` measures for one forward + backward pass on the
 * cpu backend (64-128 px, batch 4, widths 16/32/64 and 32/64/128). Worker threads add a
 * copy of the weights each.
 */
export function estimateTrainingBytes(cfg: TrainConfig, numClasses?: number): number {
  const S = cfg.data.imageSize;
  const B = cfg.train.batchSize;
  const [w1, w2, w3] = cfg.model.widths;
  const h = cfg.model.headWidth;
  const C = numClasses ?? (cfg.data.kind === 'synthetic' ? 3 : 80);
  const a = (side: number, ch: number, tensors: number) => side * side * ch * tensors;
  const perImage =
    a(S, 3, 3) + // input (JS array and tensor), scaled input
    a(S / 2, w1, 3) +
    a(S / 4, w2, 3) +
    a(S / 8, w3, 3 * 2) +
    a(S / 16, w3, 3 * 2) +
    a(S / 8, w3, 2 + 3) + // top-down resize + add, p3
    a(S / 8, w2, 2) +
    a(S / 4, w2, 2) +
    a(S / 4, h, 3) +
    a(S / 4, C + 4, 2);
  const convs: [number, number, number][] = [
    [3, 3, w1],
    [3, w1, w2],
    [3, w2, w3],
    [3, w3, w3],
    [3, w3, w3],
    [3, w3, w3],
    [3, w3, w3],
    [1, w3, w2],
    [3, w2, h],
    [1, h, C],
    [1, h, 4],
  ];
  const params = convs.reduce((n, [k, cin, cout]) => n + k * k * cin * cout + cout, 0);
  const slots = cfg.train.optimizer === 'adam' ? 2 : cfg.train.optimizer === 'momentum' ? 1 : 0;
  return 4 * (2 * B * perImage + params * (2 + slots));
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function checkMemory(cfg: TrainConfig, file?: string): void {
  const bytes = estimateTrainingBytes(cfg);
  if (bytes <= MAX_TRAINING_BYTES) return;
  const { imageSize } = cfg.data;
  const { widths, headWidth } = cfg.model;
  // Name the field that drives the estimate: the channel widths when the default widths
  // would fit and the default image size would not, else the image size.
  const defaultWidths = estimateTrainingBytes({
    ...cfg,
    model: { ...cfg.model, widths: [16, 32, 64], headWidth: 32 },
  });
  const defaultSize = estimateTrainingBytes({ ...cfg, data: { ...cfg.data, imageSize: 128 } });
  const path =
    defaultWidths <= MAX_TRAINING_BYTES && defaultSize > MAX_TRAINING_BYTES
      ? 'model.widths'
      : 'data.imageSize';
  const where = file ? `${file}: ` : '';
  throw new ConfigError(
    `${where}invalid config at '${path}': training would need about ${gib(bytes)} of memory (estimate for data.imageSize ${imageSize}, train.batchSize ${cfg.train.batchSize}, model.widths [${widths.join(', ')}], model.headWidth ${headWidth}); at most ${gib(MAX_TRAINING_BYTES)}: lower data.imageSize, train.batchSize or model.widths`,
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

/**
 * `data.train` / `data.val` paths of a config file made absolute against the file's folder
 * (so a config works from any current folder). Other values are left as they are.
 */
export function resolveDataPaths(value: unknown, file: string): unknown {
  if (!isObject(value) || !isObject(value.data)) return value;
  const dir = dirname(resolve(file));
  const data: Record<string, unknown> = { ...value.data };
  for (const split of ['train', 'val']) {
    const d = data[split];
    if (!isObject(d)) continue;
    const out: Record<string, unknown> = { ...d };
    for (const k of ['annotations', 'images'])
      if (typeof out[k] === 'string' && out[k] !== '') out[k] = resolve(dir, out[k] as string);
    data[split] = out;
  }
  return { ...value, data };
}

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  preset?: string;
  configFile?: string;
  /** TF OD API pipeline.config text: supplies the schedule, batch size and num_steps. */
  pipelineConfigText?: string;
  pipelineConfigFile?: string;
}

/**
 * Preset, then config file, then pipeline config, validated: every field's range, the
 * memory estimate and the schedule's value at every step of the run, so that a bad config
 * is refused before anything is written. An unknown preset is a usage error (exit code 2).
 */
export function resolveConfig(o: ResolveOptions = {}): TrainConfig {
  const presetName = o.preset ?? 'default';
  const preset = Object.hasOwn(PRESETS, presetName) ? PRESETS[presetName] : undefined;
  if (!preset)
    throw new UsageError(
      `unknown preset '${presetName}' (allowed: ${Object.keys(PRESETS).join(', ')})`,
    );
  let merged: unknown = preset;
  if (o.configFile)
    merged = mergeConfig(merged, resolveDataPaths(readConfigFile(o.configFile), o.configFile));
  if (o.pipelineConfigText !== undefined) {
    const pfile = o.pipelineConfigFile ?? 'pipeline config';
    const p = parsePipeline(o.pipelineConfigText, o.pipelineConfigFile);
    const optimizer =
      p.optimizer === 'adam_optimizer'
        ? 'adam'
        : p.optimizer === 'momentum_optimizer'
          ? 'momentum'
          : undefined;
    if (p.optimizer && !optimizer)
      throw new ConfigError(
        `${pfile}: optimizer '${p.optimizer}' is not supported (adam_optimizer, momentum_optimizer)`,
        'train.optimizer',
        o.pipelineConfigFile,
      );
    if (p.batchSize !== undefined && !(p.batchSize >= 1 && p.batchSize <= 256))
      throw new ConfigError(
        `${pfile}: invalid config at 'train.batchSize': train_config.batch_size must be an integer 1..256, got ${p.batchSize}`,
        'train.batchSize',
        o.pipelineConfigFile,
      );
    if (p.numSteps === 0)
      throw new ConfigError(
        `${pfile}: invalid config at 'train.steps': train_config.num_steps is 0 (given or by default), which the TF OD API reads as "train forever"; burnin needs a step count: set num_steps to 1..${MAX_STEPS}`,
        'train.steps',
        o.pipelineConfigFile,
      );
    if (p.numSteps !== undefined && p.numSteps > MAX_STEPS)
      throw new ConfigError(
        `${pfile}: invalid config at 'train.steps': train_config.num_steps must be an integer 1..${MAX_STEPS}, got ${p.numSteps}`,
        'train.steps',
        o.pipelineConfigFile,
      );
    merged = mergeConfig(merged, {
      train: {
        schedule: o.pipelineConfigText,
        ...(p.batchSize !== undefined ? { batchSize: p.batchSize } : {}),
        ...(p.numSteps !== undefined ? { steps: p.numSteps } : {}),
        ...(optimizer ? { optimizer } : {}),
        ...(optimizer === 'momentum' && p.momentum !== undefined ? { momentum: p.momentum } : {}),
      },
    });
  }
  const cfg = validateConfig(merged, o.configFile);
  // fail early on a bad schedule, naming the file it came from
  buildSchedule(cfg, o.pipelineConfigText !== undefined ? o.pipelineConfigFile : o.configFile);
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
export function defaultSchedule(steps: number): Schedule {
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

/** Up to three `path = value` strings of numeric options (nested specs included) passing `pick`. */
function optionsWhere(options: unknown, pick: (v: number) => boolean, path = ''): string[] {
  const out: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (out.length >= 3) return;
    if (typeof v === 'number') {
      if (pick(v)) out.push(`${at} = ${v}`);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${at}[${i}]`);
    } else if (isObject(v)) {
      const inner = isObject(v.options) && typeof v.type === 'string' ? v.options : v;
      for (const [k, x] of Object.entries(inner)) walk(x, at ? `${at}.${k}` : k);
    }
  };
  walk(options, path);
  return out;
}

/**
 * Checks the learning rate at every step `0..steps - 1` of a run: finite, `>= 0`,
 * `<= MAX_LEARNING_RATE`, and not 0 at every step. Returns a reason, or null.
 */
function scheduleProblem(schedule: Schedule, steps: number): string | null {
  let max = 0;
  for (let step = 0; step < steps; step++) {
    const v = schedule(step);
    if (v >= 0 && v <= MAX_LEARNING_RATE) {
      if (v > max) max = v;
      continue;
    }
    const negative = v < 0;
    const culprits = optionsWhere(schedule.spec, (x) => (negative ? x < 0 : x > MAX_LEARNING_RATE));
    const which = `${schedule.spec.type}${culprits.length ? `, option ${culprits.join(', ')}` : ''}`;
    return negative
      ? `the learning rate is ${v} at step ${step} (${which}); it must be >= 0 at every step 0..${steps - 1}`
      : `the learning rate is ${v} at step ${step} (${which}); at most ${MAX_LEARNING_RATE} is allowed (a larger rate diverges on the first updates)`;
  }
  if (max > 0) return null;
  const negative = optionsWhere(schedule.spec, (x) => x < 0);
  return `the learning rate is 0 at every step 0..${steps - 1} (${schedule.spec.type}${negative.length ? `, negative option ${negative.join(', ')}` : ''}): nothing would train`;
}

/** Schedules (steps and spec) whose values {@link scheduleProblem} already accepted. */
const checkedSchedules = new Set<string>();

/**
 * Builds `step -> learning rate` from the config (default when none is given) and checks
 * its value at every step of the run (see `MAX_LEARNING_RATE`). `file`, if given, prefixes
 * error messages. Throws {@link ConfigError} at `train.schedule`.
 */
export function buildSchedule(cfg: TrainConfig, file?: string): Schedule {
  const spec = cfg.train.schedule;
  if (spec === undefined) return defaultSchedule(cfg.train.steps);
  const fail = (reason: string): never => {
    throw new ConfigError(
      `${file ? `${file}: ` : ''}invalid config at 'train.schedule': ${reason}`,
      'train.schedule',
      file,
    );
  };
  let schedule: Schedule;
  let problem: string | null;
  try {
    if (typeof spec === 'string')
      schedule = /\btrain_config\b|\boptimizer\s*[:{]/.test(spec)
        ? parsePipelineConfig(spec).learningRate
        : parseLearningRateConfig(spec);
    else if ('class_name' in spec)
      schedule = fromKerasConfig(spec as Parameters<typeof fromKerasConfig>[0]);
    else schedule = fromJSON(spec);
    // The scan costs ~0.1 s per million steps; a run builds its schedule several times.
    const key = `${cfg.train.steps}:${JSON.stringify(spec)}`;
    problem = checkedSchedules.has(key) ? null : scheduleProblem(schedule, cfg.train.steps);
    if (!problem) {
      if (checkedSchedules.size >= 64) checkedSchedules.clear();
      checkedSchedules.add(key);
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  if (problem) fail(problem);
  return schedule;
}

/**
 * The schedule a trainer run config (`train.schedule`, or the default schedule) trains
 * with, and its `train.steps` (default 1000). Only those two fields are read and
 * validated. Throws {@link ConfigError}.
 */
export function scheduleFromRunConfig(value: unknown): { schedule: Schedule; steps: number } {
  const train = isObject(value) && isObject(value.train) ? value.train : {};
  const cfg = validateConfig({
    train: {
      ...(train.schedule !== undefined ? { schedule: train.schedule } : {}),
      ...(train.steps !== undefined ? { steps: train.steps } : {}),
    },
  });
  return { schedule: buildSchedule(cfg), steps: cfg.train.steps };
}

/** {@link scheduleFromRunConfig} of a YAML/JSON config file; messages name the file. */
export function scheduleFromConfigFile(file: string): { schedule: Schedule; steps: number } {
  const value = readConfigFile(file);
  try {
    return scheduleFromRunConfig(value);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`, e.path, file);
    throw e;
  }
}
