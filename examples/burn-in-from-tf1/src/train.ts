import { initBackend } from '@burnin/backend';
import { meanSquaredError } from '@burnin/losses';
import { withSchedule } from '@burnin/tfjs-adapter';
import * as tf from '@tensorflow/tfjs-core';
import { FEATURES, regressionData } from './data.js';
import { BATCH_SIZE, NUM_SAMPLES } from './schedules.js';

/** What {@link trainRegression} measured. */
export interface TrainLog {
  /** Learning rate every update used (read back from the optimizer), by step. */
  lrs: number[];
  /** MSE on the whole training set before training (index 0) and after each epoch. */
  epochLoss: number[];
  /** The learned weights and bias. */
  weights: number[];
  bias: number;
}

/**
 * Trains `y = x w + b` (from w = 0, b = 0) on the regression set with Adam, whose rate at
 * update k is `schedule(k)` (through `withSchedule`), on `@burnin/losses`' meanSquaredError,
 * for `epochs` epochs of NUM_SAMPLES / BATCH_SIZE updates (batches in order). Runs on the
 * tfjs cpu backend (deterministic); every tensor it makes is disposed before it returns.
 */
export async function trainRegression(
  schedule: (step: number) => number,
  epochs: number,
): Promise<TrainLog> {
  // tfjs-core alone registers no gradients: initBackend registers them and the cpu backend
  await initBackend('cpu', { log: () => {} });
  const data = regressionData(NUM_SAMPLES);
  const x = tf.tensor2d(data.x, [NUM_SAMPLES, FEATURES]);
  const y = tf.tensor2d(data.y, [NUM_SAMPLES, 1]);
  // tf.variable keeps its own reference to the data: the initial tensors are disposed
  const [w, b] = tf.tidy(() => [
    tf.variable(tf.zeros([FEATURES, 1]), true, 'w'),
    tf.variable(tf.scalar(0), true, 'b'),
  ]);
  const optimizer = withSchedule(tf.train.adam(schedule(0)), schedule);
  const predict = (xs: tf.Tensor) => tf.add(tf.matMul(xs, w), b);
  const fullLoss = () => tf.tidy(() => meanSquaredError(y, predict(x)).dataSync()[0] as number);
  const lrs: number[] = [];
  const epochLoss = [fullLoss()];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let start = 0; start + BATCH_SIZE <= NUM_SAMPLES; start += BATCH_SIZE) {
        tf.tidy(() => {
          const xb = tf.slice(x, [start, 0], [BATCH_SIZE, FEATURES]);
          const yb = tf.slice(y, [start, 0], [BATCH_SIZE, 1]);
          optimizer.minimize(() => meanSquaredError(yb, predict(xb)) as tf.Scalar);
        });
        lrs.push(optimizer.lastLearningRate);
      }
      epochLoss.push(fullLoss());
    }
    return { lrs, epochLoss, weights: Array.from(w.dataSync()), bias: b.dataSync()[0] };
  } finally {
    optimizer.dispose();
    tf.dispose([x, y, w, b]);
  }
}
