import type * as tf from '@tensorflow/tfjs-core';
import type { Callback } from '@tensorflow/tfjs-layers';
import { AdapterOptionError } from './errors.js';
import { getLearningRate, optimizerKind } from './optimizer-kind.js';
import { ScheduledOptimizer } from './scheduled-optimizer.js';

/**
 * The plain tfjs optimizer of the model a callback is attached to. Throws
 * {@link AdapterOptionError} when there is none, when it is not one of the seven tfjs
 * optimizers, or when it is a {@link ScheduledOptimizer} (whose schedule owns the rate).
 */
export function plainOptimizerOf(fn: string, cb: Callback): tf.Optimizer {
  const opt = cb.model?.optimizer;
  if (opt instanceof ScheduledOptimizer) {
    throw new AdapterOptionError(
      fn,
      'model.optimizer',
      opt,
      'a plain tfjs optimizer (a ScheduledOptimizer already sets its own learning rate)',
    );
  }
  if (opt == null) {
    throw new AdapterOptionError(fn, 'model.optimizer', opt, 'a compiled model with an optimizer');
  }
  optimizerKind(fn, opt);
  return opt;
}

/**
 * The learning rate the most recent update of `opt` used: `lastLearningRate` for a
 * {@link ScheduledOptimizer}, else the optimizer's `learningRate` field.
 */
export function rateInUse(opt: tf.Optimizer): number {
  return opt instanceof ScheduledOptimizer ? opt.lastLearningRate : getLearningRate(opt);
}
