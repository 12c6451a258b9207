/** A batch split into the shards of a data-parallel step (no tfjs: the loader thread uses it). */
import type { TrainConfig } from '../config.js';
import { batchAt } from '../data/batches.js';
import type { DetectionDataset, Sample } from '../data/types.js';
import { OUTPUT_STRIDE } from '../model/geometry.js';
import { type BatchTargets, encodeTargets } from '../model/targets.js';
import { shardRanges } from './shard.js';

/** The images of one shard and their targets. */
export interface Shard {
  images: Float32Array[];
  targets: BatchTargets;
}

/** A batch split into the shards of a step. */
export interface PreparedBatch {
  samples: Sample[];
  shards: Shard[];
  /** Objects in the whole batch. */
  count: number;
}

/** A shard made by {@link makeShard}: images, targets and image ids. */
export type MadeShard = Shard & { imageIds: number[] };

/**
 * Step `step` when the workers make its batch from their own copies of the training set
 * (see {@link makeShard}): each worker its own shard, the main thread shard 0 (`shard0`).
 */
export interface WorkersStep {
  step: number;
  shard0: MadeShard;
}

/** What a step trains on: the whole batch, or the step's index when the workers make it. */
export type StepBatch = PreparedBatch | WorkersStep;

/**
 * Splits a batch into `T` shards with their targets. With T = 1 the only shard's targets
 * are those of the whole batch (exactly the single-thread path).
 */
export function prepareBatch(
  samples: Sample[],
  imageSize: number,
  numClasses: number,
  T: number,
): PreparedBatch {
  const shards = shardRanges(samples.length, T).map(([a, b]) => {
    const part = samples.slice(a, b);
    return {
      images: part.map((s) => s.image),
      targets: encodeTargets(part, imageSize, numClasses, OUTPUT_STRIDE),
    };
  });
  return { samples, shards, count: shards.reduce((n, s) => n + s.targets.count, 0) };
}

/**
 * Images [a, b) of step `step`'s batch and their targets: the same values as shard
 * [a, b) of prepareBatch(batchAt(train, seed, step * B, B, augment)), since each sample is a
 * function of its data position alone. Any thread that holds the training set can make it.
 */
export function makeShard(
  train: DetectionDataset,
  cfg: TrainConfig,
  numClasses: number,
  step: number,
  [a, b]: readonly [number, number],
): MadeShard {
  const B = cfg.train.batchSize;
  const samples = batchAt(train, cfg.seed, step * B + a, b - a, cfg.data.augment);
  return {
    images: samples.map((s) => s.image),
    targets: encodeTargets(samples, cfg.data.imageSize, numClasses, OUTPUT_STRIDE),
    imageIds: samples.map((s) => s.imageId),
  };
}
