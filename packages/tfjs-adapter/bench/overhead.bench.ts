// Step time of a small dense model with a plain tfjs optimizer vs the same optimizer under
// withSchedule. `pnpm --filter @burnin/tfjs-adapter bench` runs this file: first an
// interleaved measurement (the numbers to report: plain and scheduled steps alternate, the
// overhead is the ratio of the median step times), then the adapter's own bookkeeping cost
// in isolation, then vitest's own bench table for the same two arms (not interleaved).
// Env: BENCH_BACKEND (cpu | wasm), BENCH_PAIRS (default 200).
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { exponentialDecayWithBurnin } from '@burnin/schedules';
import * as tf from '@tensorflow/tfjs-core';
import { bench, describe } from 'vitest';
import { type ScheduleFn, withSchedule } from '../src/index.js';

const backend = process.env.BENCH_BACKEND ?? 'cpu';
const PAIRS = Number(process.env.BENCH_PAIRS ?? 200);
await tf.setBackend(backend);
await tf.ready();

// A small MLP, 32 -> 64 -> 64 -> 10, batch 32, softmax cross-entropy; custom training loop.
function makeProblem(seed: number) {
  const init = (shape: number[], s: number) =>
    tf.variable(tf.randomNormal(shape, 0, 0.1, 'float32', s));
  const w1 = init([32, 64], seed);
  const b1 = tf.variable(tf.zeros([64]));
  const w2 = init([64, 64], seed + 1);
  const b2 = tf.variable(tf.zeros([64]));
  const w3 = init([64, 10], seed + 2);
  const b3 = tf.variable(tf.zeros([10]));
  const x = tf.randomNormal([32, 32], 0, 1, 'float32', seed + 3);
  const y = tf.oneHot(
    tf.tensor1d(
      [...Array(32).keys()].map((i) => i % 10),
      'int32',
    ),
    10,
  );
  const loss = () =>
    tf.tidy(() => {
      const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h2, w3), b3)) as tf.Scalar;
    });
  return { loss, vars: [w1, b1, w2, b2, w3, b3, x, y] };
}

const continuous = exponentialDecayWithBurnin({
  learningRateBase: 0.01,
  learningRateDecaySteps: 100,
  learningRateDecayFactor: 0.9,
  burninLearningRate: 0.001,
  burninSteps: 10,
  staircase: false,
});
const staircase = exponentialDecayWithBurnin({
  learningRateBase: 0.01,
  learningRateDecaySteps: 1000,
  learningRateDecayFactor: 0.9,
  staircase: true,
});

const CASES: [string, () => tf.Optimizer, ScheduleFn, string][] = [
  ['sgd', () => tf.train.sgd(0.01), continuous, 'changes every step'],
  ['sgd', () => tf.train.sgd(0.01), staircase, 'staircase'],
  ['momentum', () => tf.train.momentum(0.01, 0.9), continuous, 'changes every step'],
  ['adam', () => tf.train.adam(0.01), continuous, 'changes every step'],
  [
    'adam + clipNorm 5 (clipping work included)',
    () => tf.train.adam(0.01),
    continuous,
    'changes every step',
  ],
];

/** Mean ms per step over n steps (cpu and wasm run synchronously inside minimize). */
const BLOCK = 5;
/**
 * CPU ms (user + system of this process) per minimize step over a block of steps. cpu and wasm
 * run synchronously on this thread, so CPU time is the work done, and it is far less
 * disturbed than wall time by other processes sharing the cores. Wall ms is returned too.
 */
function timeSteps(opt: tf.Optimizer, loss: () => tf.Scalar): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < BLOCK; i++) opt.minimize(loss);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1e3 / BLOCK, wall / BLOCK];
}

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(
  `backend ${tf.getBackend()}, ${PAIRS} block pairs of ${BLOCK} steps per case, plain and ` +
    'scheduled blocks alternating (order flipped every pair); overhead = total CPU time ' +
    'scheduled / plain - 1 (wall-time medians shown too)',
);
const rows: Record<string, string | number>[] = [];
const plainStepCpu: Record<string, number> = {};
for (const [name, make, schedule, kind] of CASES) {
  const plainP = makeProblem(1);
  const schedP = makeProblem(1);
  const plain = make();
  const options = name.includes('clipNorm') ? { clipNorm: 5 } : {};
  const scheduled = withSchedule(make(), schedule, options);
  for (let i = 0; i < 10; i++) {
    timeSteps(plain, plainP.loss);
    timeSteps(scheduled, schedP.loss);
  }
  const cpuPlain: number[] = [];
  const cpuSched: number[] = [];
  const wallPlain: number[] = [];
  const wallSched: number[] = [];
  const startTensors = tf.memory().numTensors;
  const runPlain = () => {
    const [c, w] = timeSteps(plain, plainP.loss);
    cpuPlain.push(c);
    wallPlain.push(w);
  };
  const runSched = () => {
    const [c, w] = timeSteps(scheduled, schedP.loss);
    cpuSched.push(c);
    wallSched.push(w);
  };
  for (let r = 0; r < PAIRS; r++) {
    if (r % 2 === 0) {
      runPlain();
      runSched();
    } else {
      runSched();
      runPlain();
    }
  }
  const leaked = tf.memory().numTensors - startTensors;
  const sum = (a: number[]) => a.reduce((p, q) => p + q, 0);
  const cp = sum(cpuPlain) / PAIRS;
  const cs = sum(cpuSched) / PAIRS;
  if (!(name in plainStepCpu)) plainStepCpu[name] = cp;
  rows.push({
    optimizer: name,
    schedule: kind,
    'plain CPU ms/step': cp.toFixed(4),
    'withSchedule CPU ms/step': cs.toFixed(4),
    'overhead (CPU)': `${((cs / cp - 1) * 100).toFixed(2)}%`,
    'wall median plain': median(wallPlain).toFixed(4),
    'wall median scheduled': median(wallSched).toFixed(4),
    'tensors leaked': leaked,
  });
  plain.dispose();
  scheduled.dispose();
  tf.dispose([...plainP.vars, ...schedP.vars]);
}
console.table(rows);

// The adapter's own per-update work, isolated: applyGradients with an empty gradient map
// (the wrapped optimizer then does no tensor work), interleaved rounds, median difference.
// For SGD this includes replacing its kept learning-rate scalar at every step.
for (const [name, make] of [
  ['adam', () => tf.train.adam(0.01)],
  ['sgd', () => tf.train.sgd(0.01)],
] as const) {
  const plain = make();
  const scheduled = withSchedule(make(), continuous);
  const N = 20_000;
  const diffs: number[] = [];
  for (let r = 0; r < 21; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) plain.applyGradients({});
    const t1 = performance.now();
    for (let i = 0; i < N; i++) scheduled.applyGradients({});
    const t2 = performance.now();
    diffs.push((t2 - t1 - (t1 - t0)) / N);
  }
  const us = median(diffs) * 1e3;
  const stepMs = plainStepCpu[name];
  console.log(
    `adapter bookkeeping per update (${name}, schedule changes every step): ${us.toFixed(3)} µs = ${((us / 1e3 / stepMs) * 100).toFixed(3)}% of the plain ${name} step's CPU time above`,
  );
  plain.dispose();
  scheduled.dispose();
}

// vitest's own table for the same two arms (not interleaved; for reference only).
describe('minimize step, 32-64-64-10 MLP, batch 32 (adam)', () => {
  const p1 = makeProblem(1);
  const p2 = makeProblem(1);
  const plain = tf.train.adam(0.01);
  const scheduled = withSchedule(tf.train.adam(0.01), continuous);
  bench('plain tf.train.adam', () => {
    plain.minimize(p1.loss);
  });
  bench('withSchedule(tf.train.adam)', () => {
    scheduled.minimize(p2.loss);
  });
});
