import type { TrainConfig } from '../config.js';
import { createRng, hashSeed } from '../data/rng.js';
import { CheckpointError } from './checkpoint.js';

/** Metadata stored in every checkpoint. */
export interface CheckpointMeta {
  format: 'burnin-centernet';
  /** Optimizer updates done (= schedule step of the next update). */
  step: number;
  /** Data position: samples consumed so far (epoch = floor(position / train size)). */
  dataPosition: number;
  epoch: number;
  /** Seed from which data order and augmentation RNG streams derive (per position). */
  rngSeed: number;
  /** State of the augmentation RNG of the next sample (derived from seed and position). */
  rngState: number;
  config: TrainConfig;
  classNames: string[];
  /** Best validation AP so far and its step. */
  best: { ap: number; step: number } | null;
  modelVariables: string[];
  /** Data-parallel threads the run used (results are deterministic per thread count). */
  threads?: number;
  /** Time spent up to this checkpoint, over all resumed segments of the run. */
  time?: { wallSec: number; cpuSec: number; trainMs: number; images: number };
}

/** What {@link checkpointMeta} derives the metadata of step `step` from. */
export interface MetaSource {
  config: TrainConfig;
  classNames: string[];
  /** Size of the training set (for the epoch). */
  trainSize: number;
  best: CheckpointMeta['best'];
  modelVariables: string[];
  threads: number;
  time: NonNullable<CheckpointMeta['time']>;
}

/**
 * The metadata of a checkpoint taken after `step` updates: the data position and the RNG
 * state are derived from the step (a batch is a pure function of seed and position).
 */
export function checkpointMeta(step: number, src: MetaSource): CheckpointMeta {
  const B = src.config.train.batchSize;
  return {
    format: 'burnin-centernet',
    step,
    dataPosition: step * B,
    epoch: Math.floor((step * B) / src.trainSize),
    rngSeed: src.config.seed,
    rngState: createRng(hashSeed(src.config.seed, 0xa06, step * B)).state(),
    config: src.config,
    classNames: src.classNames,
    best: src.best,
    modelVariables: src.modelVariables,
    threads: src.threads,
    time: src.time,
  };
}

/** A config without `train.threads` (runs may resume with another thread count). */
function withoutThreads(cfg: unknown): unknown {
  const c = cfg as { train?: Record<string, unknown> };
  if (!c?.train) return cfg;
  const { threads: _, ...train } = c.train;
  return { ...c, train };
}

/** Whether two configs are the same run's (`train.threads` aside). */
export const sameConfig = (a: unknown, b: unknown): boolean =>
  JSON.stringify(withoutThreads(a)) === JSON.stringify(withoutThreads(b));

/**
 * Checks every field of a checkpoint's metadata against the run that resumes it (config,
 * classes, variables, step within `train.steps`, data position and RNG state derived from
 * the step). Throws CheckpointError naming the file and the field.
 */
export function validateCheckpointMeta(
  file: string,
  meta: CheckpointMeta,
  expect: { config: TrainConfig; classNames: readonly string[]; modelVariables: string[] },
): void {
  const bad = (field: string, why: string): never => {
    throw new CheckpointError(
      `checkpoint ${file}: field '${field}' ${why}; it cannot be resumed: use the run's own config, or start a fresh --out`,
    );
  };
  const cfg = expect.config;
  if (meta.format !== 'burnin-centernet') bad('format', `is ${JSON.stringify(meta.format)}`);
  const step = meta.step;
  if (!Number.isInteger(step) || step < 0 || step > cfg.train.steps)
    bad('step', `is ${JSON.stringify(step)}, expected an integer 0..${cfg.train.steps}`);
  const B = cfg.train.batchSize;
  if (meta.dataPosition !== step * B)
    bad('dataPosition', `is ${JSON.stringify(meta.dataPosition)}, expected ${step * B}`);
  if (meta.rngSeed !== cfg.seed)
    bad('rngSeed', `is ${JSON.stringify(meta.rngSeed)}, expected ${cfg.seed}`);
  const rng = createRng(hashSeed(cfg.seed, 0xa06, step * B)).state();
  if (meta.rngState !== rng)
    bad('rngState', `is ${JSON.stringify(meta.rngState)}, expected ${rng}`);
  if (!sameConfig(meta.config, cfg)) bad('config', 'differs from this run’s configuration');
  if (JSON.stringify(meta.classNames) !== JSON.stringify(expect.classNames))
    bad(
      'classNames',
      `is ${JSON.stringify(meta.classNames)}, expected ${JSON.stringify(expect.classNames)}`,
    );
  if (JSON.stringify(meta.modelVariables) !== JSON.stringify(expect.modelVariables))
    bad('modelVariables', 'does not list this model’s variables');
  const best = meta.best;
  if (
    best !== null &&
    !(
      typeof best === 'object' &&
      Number.isFinite(best.ap) &&
      Number.isInteger(best.step) &&
      best.step >= 0 &&
      best.step <= step
    )
  )
    bad('best', `is ${JSON.stringify(best)}, expected null or {ap, step <= ${step}}`);
  if (meta.threads !== undefined && !(Number.isInteger(meta.threads) && meta.threads >= 1))
    bad('threads', `is ${JSON.stringify(meta.threads)}, expected an integer >= 1`);
  const t = meta.time;
  if (
    t !== undefined &&
    !(
      t !== null &&
      typeof t === 'object' &&
      [t.wallSec, t.cpuSec, t.trainMs, t.images].every((v) => Number.isFinite(v) && v >= 0)
    )
  )
    bad('time', `is ${JSON.stringify(t)}`);
}
