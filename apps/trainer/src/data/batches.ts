/**
 * The run's datasets and its batches: a batch is a pure function of (seed, position), so any
 * thread can make it (the main thread or the data-loader thread). No tfjs here: the loader
 * thread imports this module alone.
 */
import { ConfigError, type TrainConfig } from '../config.js';
import { createRng, hashSeed, permutation } from './rng.js';
import { createSyntheticDataset } from './synthetic.js';
import type { DetectionDataset, Sample } from './types.js';

/**
 * Loads the train/val datasets a config describes: the built-in synthetic shapes, or
 * COCO-format folders (`data.train` / `data.val`), letterboxed to `data.imageSize`.
 */
export async function loadDatasets(
  cfg: TrainConfig,
): Promise<{ train: DetectionDataset; val: DetectionDataset }> {
  if (cfg.data.kind === 'synthetic') return datasetsFromConfig(cfg);
  if (!cfg.data.train)
    throw new ConfigError("data.train is required when data.kind is 'coco'", 'data.train');
  if (!cfg.data.val)
    throw new ConfigError("data.val is required when data.kind is 'coco'", 'data.val');
  const { loadCocoDataset } = await import('../io/coco-dataset.js');
  const train = await loadCocoDataset({
    ...cfg.data.train,
    imageSize: cfg.data.imageSize,
    ...(cfg.data.augment ? { augment: {} } : {}),
  });
  const val = await loadCocoDataset({
    ...cfg.data.val,
    imageSize: cfg.data.imageSize,
    classNames: [...train.classNames],
    cacheDecoded: true,
  });
  return { train, val };
}

/** The built-in synthetic train/val datasets of a config. */
export function datasetsFromConfig(cfg: TrainConfig): {
  train: DetectionDataset;
  val: DetectionDataset;
} {
  if (cfg.data.kind !== 'synthetic')
    throw new ConfigError("data.kind 'coco' datasets are loaded with loadDatasets()", 'data.kind');
  const common = { imageSize: cfg.data.imageSize, seed: cfg.seed, maxObjects: cfg.data.maxObjects };
  return {
    train: createSyntheticDataset({ split: 'train', size: cfg.data.trainSize, ...common }),
    val: createSyntheticDataset({ split: 'val', size: cfg.data.valSize, ...common }),
  };
}

const lastOrder = new WeakMap<
  DetectionDataset,
  { seed: number; epoch: number; perm: Int32Array }
>();

/** The shuffled order of `ds` in epoch `epoch` (the last one asked for is kept per dataset). */
function epochOrder(ds: DetectionDataset, seed: number, epoch: number): Int32Array {
  const last = lastOrder.get(ds);
  if (last && last.seed === seed && last.epoch === epoch && last.perm.length === ds.size)
    return last.perm;
  const perm = permutation(ds.size, hashSeed(seed, 0xe90c, epoch));
  lastOrder.set(ds, { seed, epoch, perm });
  return perm;
}

/** Samples (and their augmentation RNG) at data positions [pos, pos + n). */
export function batchAt(
  ds: DetectionDataset,
  seed: number,
  pos: number,
  n: number,
  augment: boolean,
): Sample[] {
  const out: Sample[] = [];
  for (let p = pos; p < pos + n; p++) {
    const idx = epochOrder(ds, seed, Math.floor(p / ds.size))[p % ds.size];
    out.push(ds.get(idx, augment ? { rng: createRng(hashSeed(seed, 0xa06, p)) } : undefined));
  }
  return out;
}
