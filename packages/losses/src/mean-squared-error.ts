import * as tf from '@tensorflow/tfjs-core';

/** Mean squared error averaged over all elements (scalar). */
export function meanSquaredError(targets: tf.Tensor, predictions: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(targets, predictions)) as tf.Scalar);
}
