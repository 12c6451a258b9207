// Run by scripts/readme-examples.mjs in a consumer with only @burnin/backend,
// @tensorflow/tfjs-core and @tensorflow/tfjs-backend-cpu installed (ESM and CJS): every
// gradient a conv step needs is registered by initBackend() alone.

import { initBackend } from '@burnin/backend';
import * as tf from '@tensorflow/tfjs-core';

await initBackend('cpu');
const w = tf.variable(tf.randomNormal([3, 3, 1, 4], 0, 0.1, 'float32', 1) as tf.Tensor4D);
const b = tf.variable(tf.zeros([4]));
const x: tf.Tensor4D = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 2);
const y: tf.Tensor4D = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 3);
const optimizer = tf.train.momentum(0.05, 0.9);
const losses: number[] = [];
let before = 0; // tensors after the first step (which creates the momentum accumulators)
for (let step = 0; step < 5; step++) {
  if (step === 1) before = tf.memory().numTensors;
  const loss = optimizer.minimize(
    () =>
      tf.losses.meanSquaredError(y, tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b))) as tf.Scalar,
    true,
  );
  losses.push((await loss!.data())[0]!);
  loss!.dispose();
}
losses.every((l) => Number.isFinite(l)); // true
losses[4]! < losses[0]!; // true
tf.memory().numTensors - before; // 0
