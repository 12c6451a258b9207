import type * as tf from '@tensorflow/tfjs-core';
import { AdapterOptionError, checkNonNegative } from './errors.js';
import { ScheduledOptimizer } from './scheduled-optimizer.js';

/**
 * Sets the learning rate a tfjs optimizer uses on its next update, wherever that optimizer
 * keeps it: SGD and Momentum cache `-learningRate` in a kept scalar tensor (replaced and the
 * old one disposed by their `setLearningRate`); Adam, Adamax, RMSProp, Adagrad and Adadelta
 * read their `learningRate` field on every update. Leak-free; a no-op when the rate is
 * unchanged. Throws {@link AdapterOptionError} unless `learningRate` is finite and `>= 0`, and
 * for a {@link ScheduledOptimizer} (its schedule owns the rate: use `setState` to move it).
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  checkNonNegative('setLearningRate', 'learningRate', learningRate);
  if (optimizer instanceof ScheduledOptimizer) {
    throw new AdapterOptionError(
      'setLearningRate',
      'optimizer',
      optimizer,
      'a plain tfjs optimizer (a ScheduledOptimizer takes its rate from its schedule)',
    );
  }
  const o = optimizer as unknown as {
    setLearningRate?: (lr: number) => void;
    learningRate: number;
    c?: unknown;
  };
  if (typeof o.setLearningRate === 'function') {
    if (o.learningRate === learningRate && o.c != null) return;
    o.setLearningRate(learningRate);
  } else o.learningRate = learningRate;
}
