import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../config.js';
import { batchAt } from '../data/batches.js';
import type { DetectionDataset } from '../data/types.js';
import { TrainerError } from '../errors.js';
import { type BatchLoader, createBatchLoader } from './loader.js';
import { makeShard, type PreparedBatch, prepareBatch, type StepBatch } from './prepared-batch.js';
import { shardRanges } from './shard.js';

/** Where the next batch is made while a data-parallel step runs (TrainOptions.prefetchOn). */
export type PrefetchOn = 'workers' | 'thread' | 'main';

/** Where the loop gets the batch of each step. */
export interface BatchSource {
  /**
   * The batch of step `step` (a pure function of seed and data position): the whole batch,
   * or with `'workers'` the main thread's part of shard 0 (the stepper's workers make the rest).
   */
  get(step: number): Promise<StepBatch>;
  /**
   * Work for the main thread while the workers finish step `step` (making its part of the
   * batch of `step + 1` when that is prefetched on the main thread), else undefined.
   */
  whileWaiting(step: number): (() => void) | undefined;
  /** Where the batches are made: 'workers' needs a stepper created with `ownShards`. */
  readonly on: PrefetchOn | 'inline';
  /** Stops the data-loader thread, if any (idempotent). */
  dispose(): Promise<void>;
}

/**
 * Where a run's batches are made: `'inline'` (each when asked for) with one thread or
 * `prefetch: false`, else `prefetchOn`. By default: `'workers'` for the synthetic set (cheap
 * to hold in every thread); for a COCO set (decoded up front, so a copy per worker would
 * multiply its memory) `'thread'` when a core is left for it (os.availableParallelism() >
 * threads), else `'main'`; always `'main'` when the training set was passed in rather than
 * described by the config (`fromConfig` false: no other thread could load it). Throws a
 * TrainerError for an unknown `prefetchOn`, and for `'workers'` / `'thread'` without
 * `fromConfig`.
 */
export function resolvePrefetch(o: {
  threads: number;
  prefetch?: boolean | undefined;
  prefetchOn?: PrefetchOn | undefined;
  fromConfig: boolean;
  kind: TrainConfig['data']['kind'];
}): PrefetchOn | 'inline' {
  const asked = o.prefetchOn;
  if (asked !== undefined && !['workers', 'thread', 'main'].includes(asked))
    throw new TrainerError(
      `prefetchOn must be 'workers', 'thread' or 'main', got ${String(asked)}`,
    );
  if ((asked === 'workers' || asked === 'thread') && !o.fromConfig)
    throw new TrainerError(
      `prefetchOn '${asked}' needs the training set the config describes (other threads load it themselves); with datasets passed in, use 'main'`,
    );
  if (o.threads === 1 || o.prefetch === false) return 'inline';
  if (asked) return asked;
  if (!o.fromConfig) return 'main';
  if (o.kind === 'synthetic') return 'workers';
  return availableParallelism() > o.threads ? 'thread' : 'main';
}

/** Options of {@link createBatchSource}. */
export interface BatchSourceOptions {
  cfg: TrainConfig;
  train: DetectionDataset;
  numClasses: number;
  threads: number;
  /** Where the batches are made ({@link resolvePrefetch}). */
  on: PrefetchOn | 'inline';
}

/**
 * The batches of a run. With `'inline'` each batch is made when asked for; otherwise the
 * next batch is made while the compute threads run: each thread its own shard (`'workers'`:
 * each worker after its gradients, the main thread shard 0 while it waits for them), on a
 * data-loader thread of its own (`'thread'`), or all on the main thread after its shard
 * (`'main'`). Where and when a batch is made changes nothing in its values.
 */
export function createBatchSource(o: BatchSourceOptions): BatchSource {
  const { cfg, threads: T, on } = o;
  const B = cfg.train.batchSize;
  const total = cfg.train.steps;
  const prefetch = on !== 'inline';
  const whole = (at: number): PreparedBatch =>
    prepareBatch(
      batchAt(o.train, cfg.seed, at * B, B, cfg.data.augment),
      cfg.data.imageSize,
      o.numClasses,
      T,
    );
  const shard0 = shardRanges(B, T)[0];
  const prepare: (at: number) => StepBatch =
    on === 'workers'
      ? (at) => ({ step: at, shard0: makeShard(o.train, cfg, o.numClasses, at, shard0) })
      : whole;
  const pre: { step: number; batch: StepBatch | null } = { step: -1, batch: null };
  const loader: BatchLoader | null =
    on === 'thread'
      ? createBatchLoader({ config: cfg, numClasses: o.numClasses, threads: T }, total, whole)
      : null;
  return {
    on,
    async get(step) {
      const batch = loader
        ? await loader.get(step)
        : pre.step === step && pre.batch
          ? pre.batch
          : prepare(step);
      pre.batch = null;
      return batch;
    },
    whileWaiting(step) {
      const next = step + 1;
      if (!prefetch || loader || next >= total) return undefined;
      return () => {
        pre.step = next;
        pre.batch = prepare(next);
      };
    },
    dispose: async () => {
      await loader?.dispose();
    },
  };
}
