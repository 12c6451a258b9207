/** A batch split into the shards of a data-parallel step (no tfjs: the loader thread uses it). */
import type { Sample } from '../data/types.js';
import { OUTPUT_STRIDE } from '../model/geometry.js';
import { type BatchTargets, encodeTargets } from '../model/targets.js';
import { shardRanges } from './shard.js';

/** A batch split into the shards of a step. */
export interface PreparedBatch {
  samples: Sample[];
  shards: { images: Float32Array[]; targets: BatchTargets }[];
  /** Objects in the whole batch. */
  count: number;
}

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
