import type * as tf from '@tensorflow/tfjs-core';
import { checkNonNegative } from './errors.js';

/**
 * Sets the learning rate a tfjs optimizer uses on its next update, wherever that optimizer
 * keeps it: SGD and Momentum cache `-learningRate` in a kept scalar tensor (replaced and the
 * old one disposed by their `setLearningRate`); Adam, Adamax, RMSProp, Adagrad and Adadelta
 * read their `learningRate` field on every update. Leak-free; a no-op when the rate is
 * unchanged. Throws {@link AdapterOptionError} unless `learningRate` is finite and `>= 0`.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  checkNonNegative('setLearningRate', 'learningRate', learningRate);
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
