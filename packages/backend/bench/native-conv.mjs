// Micro-benchmark of the native conv kernels (Node, x86-64 Linux): Conv2D, Conv2DBackpropInput
// and Conv2DBackpropFilter on the trainer's demo detector (96 px, batch 8) and the backend
// bench's detection model (128 px, batch 8), NHWC float32, at 1 thread and at every core.
// Prints median ms and GFLOP/s (2 * MACs of the dense convolution; the three kernels of one
// geometry do the same MACs), and each gradient's time over the forward's. The thread count is
// changed between measurements by calling initBackend again (the native kernels take the new
// count; the wasm build stays single-threaded). Run after `pnpm build`:
//   node --import ./bench/resolve-hook.mjs bench/native-conv.mjs [rounds]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../dist/index.js';

const rounds = Number(process.argv[2] ?? 15);
const cores = os.availableParallelism();
const threadCounts = cores > 1 ? [1, cores] : [1];

// [label, x shape [n, h, w, c], filter shape [fh, fw, c, k], stride]; 'same' padding
const cases = [
  ['demo stem', [8, 96, 96, 3], [3, 3, 3, 16], 2],
  ['demo', [8, 48, 48, 16], [3, 3, 16, 32], 2],
  ['demo', [8, 24, 24, 32], [3, 3, 32, 32], 1],
  ['demo', [8, 24, 24, 32], [3, 3, 32, 48], 2],
  ['demo', [8, 12, 12, 48], [3, 3, 48, 48], 1],
  ['demo head', [8, 24, 24, 32], [1, 1, 32, 7], 1],
  ['bench stem', [8, 128, 128, 3], [3, 3, 3, 16], 2],
  ['bench', [8, 64, 64, 16], [3, 3, 16, 32], 2],
  ['bench', [8, 32, 32, 32], [3, 3, 32, 64], 2],
  ['bench', [8, 16, 16, 64], [3, 3, 64, 64], 1],
  ['bench neck', [8, 32, 32, 96], [3, 3, 96, 32], 1],
];

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const first = await initBackend('wasm', { threads: 1, log: () => {} });
if (!/native/.test(first.reason)) {
  console.log(`the native conv kernels do not run here: ${first.reason}`);
  process.exit(0);
}

const ops = cases.map(([label, xShape, fShape, stride]) => {
  const x = tf.randomUniform(xShape, -1, 1, 'float32', 1);
  const f = tf.randomUniform(fShape, -1, 1, 'float32', 2);
  const y = tf.conv2d(x, f, stride, 'same');
  const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3);
  const macs = y.size * fShape[0] * fShape[1] * fShape[2];
  const attrs = {
    strides: [stride, stride],
    pad: 'same',
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  };
  const run = {
    forward: () => tf.conv2d(x, f, stride, 'same'),
    input: () =>
      tf
        .engine()
        .runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xShape }),
    filter: () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fShape }),
  };
  return { label, xShape, fShape, stride, macs, run };
});

/** ms of one call: enough calls per sample for ~5 ms, `.dataSync()` on the last. */
function time(fn) {
  const once = () => {
    const start = performance.now();
    const out = fn();
    out.dataSync();
    out.dispose();
    return performance.now() - start;
  };
  const reps = Math.max(1, Math.round(5 / Math.max(once(), 0.01)));
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const out = fn();
    if (i === reps - 1) out.dataSync();
    out.dispose();
  }
  return (performance.now() - start) / reps;
}

const results = new Map(); // `${case}|${kernel}|${threads}` -> ms[]
const lines = {};
for (let r = 0; r < rounds; r++) {
  for (const threads of r % 2 ? [...threadCounts].reverse() : threadCounts) {
    const choice = await initBackend('wasm', { threads, log: () => {} });
    lines[threads] = choice.reason;
    ops.forEach((op, i) => {
      for (const kernel of ['forward', 'input', 'filter']) {
        const key = `${i}|${kernel}|${threads}`;
        results.set(key, [...(results.get(key) ?? []), time(op.run[kernel])]);
      }
    });
  }
}

console.log(
  `\nnative conv kernels: node ${process.version}, ${cores} cores, median of ${rounds} interleaved rounds; GFLOP/s = 2 * MACs / time`,
);
for (const threads of threadCounts) console.log(`threads: ${threads}: ${lines[threads]}`);
const kernels = ['forward', 'input', 'filter'];
const head = threadCounts.flatMap((t) => [
  ...kernels.map((k) => `${k}, ${t}t`),
  `input/forward, ${t}t`,
  `filter/forward, ${t}t`,
]);
const speedUps = threadCounts.length > 1 ? kernels.map((k) => `${k} ${cores}t speed-up`) : [];
console.log(`\n| shapes | x | filter | s | ${[...head, ...speedUps].join(' | ')} |`);
console.log(`|---|---|---|---:|${[...head, ...speedUps].map(() => '---:').join('|')}|`);
const total = {};
ops.forEach((op, i) => {
  const ms = (kernel, t) => median(results.get(`${i}|${kernel}|${t}`));
  const cells = [];
  for (const t of threadCounts) {
    for (const k of kernels) {
      const m = ms(k, t);
      total[`${k}|${t}`] = (total[`${k}|${t}`] ?? 0) + m;
      cells.push(`${m.toFixed(2)} ms ${((2 * op.macs) / m / 1e6).toFixed(0)}`);
    }
    cells.push(`${(ms('input', t) / ms('forward', t)).toFixed(2)}`);
    cells.push(`${(ms('filter', t) / ms('forward', t)).toFixed(2)}`);
  }
  if (threadCounts.length > 1)
    for (const k of kernels) cells.push(`${(ms(k, 1) / ms(k, cores)).toFixed(2)}x`);
  console.log(
    `| ${op.label} | ${op.xShape.join('x')} | ${op.fShape.join('x')} | ${op.stride} | ${cells.join(' | ')} |`,
  );
});
for (const t of threadCounts) {
  console.log(
    `all shapes, ${t} thread(s): forward ${total[`forward|${t}`].toFixed(2)} ms, input ${total[`input|${t}`].toFixed(2)} ms, filter ${total[`filter|${t}`].toFixed(2)} ms`,
  );
}
