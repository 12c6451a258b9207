// Consumer (c) of the publish end-to-end test: a plain npm project with @tensorflow/tfjs,
// @burnin/backend, @burnin/schedules and @burnin/tfjs-adapter trains a tiny model with
// model.fit while a scheduled optimizer sets the learning rate of every update.
import assert from 'node:assert/strict';
import { initBackend } from '@burnin/backend';
import { exponentialDecayWithBurnin } from '@burnin/schedules';
import { withSchedule } from '@burnin/tfjs-adapter';
import * as tf from '@tensorflow/tfjs';

// 'auto': neither tfjs-node nor the optional wasm peer is installed here, so it must fall
// back to the cpu backend that @tensorflow/tfjs brings.
const choice = await initBackend();
assert.equal(
  tf.getBackend(),
  choice.name,
  'initBackend and @tensorflow/tfjs disagree on the backend',
);
assert.equal(choice.name, 'cpu', `initBackend chose ${choice.name}: ${choice.reason}`);

// y = 2x + 1, fitted by one dense unit from zero weights, one full batch per epoch.
const x = [-1, -0.5, 0, 0.5, 1, 1.5];
const y = x.map((v) => 2 * v + 1);
const xs = tf.tensor2d(x, [x.length, 1]);
const ys = tf.tensor2d(y, [y.length, 1]);
const model = tf.sequential({
  layers: [
    tf.layers.dense({
      units: 1,
      inputShape: [1],
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
    }),
  ],
});
const schedule = exponentialDecayWithBurnin({
  learningRateBase: 0.3,
  learningRateDecaySteps: 4,
  learningRateDecayFactor: 0.5,
  burninLearningRate: 0.05,
  burninSteps: 2,
  staircase: true,
});
// tf.Optimizer from @tensorflow/tfjs-core: the adapter and tfjs must share one tfjs-core.
const optimizer = withSchedule(tf.train.sgd(1), schedule);
assert.ok(optimizer instanceof tf.Optimizer, 'withSchedule did not return a tf.Optimizer');
model.compile({ optimizer, loss: 'meanSquaredError' });

const weights = () => model.getWeights().map((t) => t.dataSync()[0]);
const epochs = 12;
const updates = [];
let before;
let tensorsAfterFirstEpoch = 0;
const history = await model.fit(xs, ys, {
  epochs,
  batchSize: x.length,
  shuffle: false,
  verbose: 0,
  callbacks: {
    onBatchBegin: async () => {
      before = weights();
    },
    onBatchEnd: async () => {
      updates.push({ before, after: weights(), lr: optimizer.lastLearningRate });
    },
    onEpochEnd: async (epoch) => {
      if (epoch === 0) tensorsAfterFirstEpoch = tf.memory().numTensors;
    },
  },
});
assert.equal(tf.memory().numTensors, tensorsAfterFirstEpoch, 'tensors leaked during training');
assert.equal(updates.length, epochs);

// Update k used the scheduled learning rate: SGD moved the weights by exactly schedule(k)
// times the gradient of mean((w x + b - y)^2), computed here in plain JavaScript.
updates.forEach(({ before: [w, b], after: [w1, b1], lr }, k) => {
  assert.equal(lr, schedule(k), `update ${k} reports lr ${lr}, the schedule says ${schedule(k)}`);
  const r = x.map((v, i) => w * v + b - y[i]);
  const gw = (2 * r.reduce((s, ri, i) => s + ri * x[i], 0)) / x.length;
  const gb = (2 * r.reduce((s, ri) => s + ri, 0)) / x.length;
  const tol = 1e-5 * (1 + Math.abs(w) + Math.abs(b));
  assert.ok(Math.abs(w1 - (w - lr * gw)) <= tol, `update ${k}: kernel ${w1}, want ${w - lr * gw}`);
  assert.ok(Math.abs(b1 - (b - lr * gb)) <= tol, `update ${k}: bias ${b1}, want ${b - lr * gb}`);
});

const losses = history.history.loss.map(Number);
for (let i = 1; i < losses.length; i++) {
  assert.ok(
    losses[i] < losses[i - 1],
    `loss went up in epoch ${i}: ${losses[i - 1]} -> ${losses[i]}`,
  );
}
assert.ok(losses.at(-1) < 0.25 * losses[0], `loss only went from ${losses[0]} to ${losses.at(-1)}`);

console.log(
  `train: backend ${choice.name} (${choice.reason}); ${epochs} scheduled SGD updates in model.fit, ` +
    `lr ${schedule(0)} -> ${schedule(epochs - 1)}; loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(4)}`,
);
