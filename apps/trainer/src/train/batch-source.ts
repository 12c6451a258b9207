import { availableParallelism } from 'node:os';
import type { TrainConfig } from '../config.js';
import { batchAt } from '../data/batches.js';
import type { DetectionDataset } from '../data/types.js';
import { type BatchLoader, createBatchLoader } from './loader.js';
import { type PreparedBatch, prepareBatch } from './prepared-batch.js';

/** Where the loop gets the batch of each step. */
export interface BatchSource {
  /** The prepared batch of step `step` (a pure function of seed and data position). */
  get(step: number): Promise<PreparedBatch>;
  /**
   * Work for the main thread while the workers finish step `step` (making the batch of
   * `step + 1` when it is prefetched on the main thread), else undefined.
   */
  whileWaiting(step: number): (() => void) | undefined;
  /** Stops the data-loader thread, if any (idempotent). */
  dispose(): Promise<void>;
}

/** Options of {@link createBatchSource}. */
export interface BatchSourceOptions {
  cfg: TrainConfig;
  train: DetectionDataset;
  numClasses: number;
  threads: number;
  /** See TrainOptions.prefetch (default true). */
  prefetch?: boolean | undefined;
  /** See TrainOptions.prefetchOn. */
  prefetchOn?: 'thread' | 'main' | undefined;
}

/**
 * The batches of a run. With one thread each batch is made when asked for; with T > 1 the
 * next batch is made while the compute threads run, on a data-loader thread of its own or on
 * the main thread after its shard (`prefetchOn`). Where and when a batch is made changes
 * nothing in its values.
 */
export function createBatchSource(o: BatchSourceOptions): BatchSource {
  const { cfg, threads: T } = o;
  const B = cfg.train.batchSize;
  const total = cfg.train.steps;
  const prepare = (at: number) =>
    prepareBatch(
      batchAt(o.train, cfg.seed, at * B, B, cfg.data.augment),
      cfg.data.imageSize,
      o.numClasses,
      T,
    );
  const prefetch = T > 1 && o.prefetch !== false;
  const pre: { step: number; batch: PreparedBatch | null } = { step: -1, batch: null };
  const loader: BatchLoader | null =
    prefetch && (o.prefetchOn ?? (availableParallelism() > T ? 'thread' : 'main')) === 'thread'
      ? createBatchLoader({ config: cfg, numClasses: o.numClasses, threads: T }, total, prepare)
      : null;
  return {
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
