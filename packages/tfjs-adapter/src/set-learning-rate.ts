import type * as tf from '@tensorflow/tfjs-core';

/**
 * Sets the learning rate a tfjs optimizer uses on its next update, wherever that
 * optimizer keeps it (SGD/Momentum cache it in a scalar tensor; others read a field).
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as {
    setLearningRate?: (lr: number) => void;
    learningRate: number;
  };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
