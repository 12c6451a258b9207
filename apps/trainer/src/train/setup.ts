import { type ScheduledOptimizer, withSchedule } from '@burnin/tfjs-adapter';
import type { TrainConfig } from '../config.js';
import { createDetector, type Detector } from '../model/centernet.js';
import * as tf from '../tf.js';
import { detectorConfig } from './shard.js';

/** Creates the model for a config (weights initialised from `cfg.seed`). */
export function modelFromConfig(cfg: TrainConfig, numClasses: number): Detector {
  return createDetector(detectorConfig(cfg, numClasses), cfg.seed);
}

/**
 * The run's optimizer (`train.optimizer`: adam, momentum or sgd) driven by `schedule`: update
 * k uses the learning rate `schedule(k)`; gradients are clipped to `train.clipNorm` when set.
 */
export function optimizerFromConfig(
  cfg: TrainConfig,
  schedule: (s: number) => number,
): ScheduledOptimizer {
  const lr0 = schedule(0);
  const inner =
    cfg.train.optimizer === 'adam'
      ? tf.train.adam(lr0)
      : cfg.train.optimizer === 'momentum'
        ? tf.train.momentum(lr0, cfg.train.momentum)
        : tf.train.sgd(lr0);
  return withSchedule(inner, schedule, cfg.train.clipNorm ? { clipNorm: cfg.train.clipNorm } : {});
}
