// The page of the real-browser test (scripts/browser-test.mjs): bundled by vite from the packed
// packages, it trains a few scheduled steps of a small conv net on wasm (with @burnin/backend's
// kernels; the .wasm files are served from /wasm/) and on cpu, computes a loss with
// @burnin/losses and a COCO evaluation with @burnin/metrics, and leaves the numbers in
// `window.__burnin` for the test to check.
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from '@burnin/backend';
import { giouLoss, meanSquaredError } from '@burnin/losses';
import { CocoEvaluator, type CocoGroundTruth, type CocoResult } from '@burnin/metrics';
import { exponentialDecayWithBurnin } from '@burnin/schedules';
import { withSchedule } from '@burnin/tfjs-adapter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const STEPS = 6;
const schedule = exponentialDecayWithBurnin({
  learningRateBase: 0.05,
  learningRateDecaySteps: 2,
  learningRateDecayFactor: 0.5,
  burninLearningRate: 0.01,
  burninSteps: 2,
});

interface Run {
  backend: string;
  reason: string;
  /** The rate each update used: the change of a probe variable whose gradient is exactly 1. */
  rates: number[];
  scheduled: number[];
  /** The training loss before each update. */
  losses: number[];
  giou: number;
  ourConvFilterGrad: boolean;
  leaked: number;
}

/** A variable holding `init` (whose own tensor is disposed). */
function variableOf<R extends tf.Rank>(init: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(init);
  init.dispose();
  return v;
}

async function train(backend: 'wasm' | 'cpu'): Promise<Run> {
  const { name, reason } = await initBackend(backend);
  const ourConvFilterGrad = tf.getKernel('Conv2DBackpropFilter', name) != null;
  const before = tf.memory().numTensors;
  const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const target = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
  const w = variableOf(tf.randomNormal([3, 3, 1, 4], 0, 0.3, 'float32', 3) as tf.Tensor4D);
  const b = variableOf(tf.zeros([4]));
  const probe = variableOf(tf.scalar(0));
  const optimizer = withSchedule(tf.train.sgd(1), schedule);
  const rates: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const p0 = (await probe.data())[0] as number;
    let mse = 0;
    const cost = optimizer.minimize(() => {
      const pred = tf.add(tf.conv2d(x, w, 1, 'same'), b);
      const loss = meanSquaredError(target, pred) as tf.Scalar;
      mse = loss.dataSync()[0] as number;
      return tf.add(loss, tf.sum(probe)) as tf.Scalar;
    }, true);
    cost?.dispose();
    losses.push(mse);
    rates.push(p0 - ((await probe.data())[0] as number));
  }
  const boxes = [tf.tensor2d([[0, 0, 10, 10]]), tf.tensor2d([[1, 1, 11, 12]])] as const;
  const giou = giouLoss(boxes[0], boxes[1]);
  const giouValue = (await giou.data())[0] as number;
  tf.dispose([x, target, w, b, probe, giou, ...boxes]);
  optimizer.dispose();
  return {
    backend: name,
    reason,
    rates,
    scheduled: Array.from({ length: STEPS }, (_, k) => schedule(k)),
    losses,
    giou: giouValue,
    ourConvFilterGrad,
    leaked: tf.memory().numTensors - before,
  };
}

async function main(): Promise<unknown> {
  setWasmPaths('/wasm/');
  const auto = await initBackend('auto');
  const runs = [await train('wasm'), await train('cpu')];
  const gt = (await (await fetch('/gt.json')).json()) as CocoGroundTruth;
  const dt = (await (await fetch('/dt.json')).json()) as CocoResult[];
  const evaluator = new CocoEvaluator(gt);
  evaluator.addDetections(dt);
  const { stats } = evaluator.evaluate();
  return { auto: { name: auto.name, reason: auto.reason }, runs, cocoStats: stats };
}

const w = window as unknown as { __burnin?: unknown; __burninError?: string };
main().then(
  (result) => {
    w.__burnin = result;
    document.getElementById('out')!.textContent = JSON.stringify(result, null, 2);
  },
  (error: unknown) => {
    w.__burninError = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
  },
);
