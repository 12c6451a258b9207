// Micro-benchmark of the wasm conv-gradient kernels on the demo detector's shapes (batch 8,
// NHWC, 'same'): forward Conv2D (stock XNNPACK) vs the JS fallback path ("old") vs the SIMD
// kernels ("new"), interleaved round by round; prints median ms and GFLOP/s (2*MACs of the
// dense convolution). Run after `pnpm build`:
//   node --import ./bench/resolve-hook.mjs bench/conv-grad.mjs [rounds]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../dist/index.js';

const FLAG = 'BURNIN_WASM_SIMD_CONV_GRADIENTS';
const rounds = Number(process.argv[2] ?? 15);

registerTrainingKernels();
await tf.setBackend('wasm');
const env = tf.env();
if (env.flagRegistry[FLAG] == null) env.registerFlag(FLAG, () => true);

// [kernel, x shape, filter shape, stride]
const cases = [
  ['filter', [8, 24, 24, 32], [3, 3, 32, 32], 1],
  ['filter', [8, 12, 12, 48], [3, 3, 48, 48], 1],
  ['filter', [8, 48, 48, 16], [3, 3, 16, 32], 2],
  ['filter', [8, 96, 96, 3], [3, 3, 3, 16], 2],
  ['filter', [8, 24, 24, 32], [3, 3, 32, 48], 2],
  ['input', [8, 48, 48, 16], [3, 3, 16, 32], 2],
  ['input', [8, 12, 12, 48], [3, 3, 48, 48], 1],
  ['input', [8, 24, 24, 32], [3, 3, 32, 32], 1],
  ['input', [8, 24, 24, 32], [3, 3, 32, 48], 2],
  ['input', [8, 6, 6, 48], [3, 3, 48, 48], 1],
  // Depthwise (not in the demo detector): forward is the stock DepthwiseConv2dNative.
  ['dw-filter', [8, 24, 24, 32], [3, 3, 32, 1], 1],
  ['dw-filter', [8, 48, 48, 16], [3, 3, 16, 1], 2],
  ['dw-input', [8, 24, 24, 32], [3, 3, 32, 1], 1],
  ['dw-input', [8, 48, 48, 16], [3, 3, 16, 1], 2],
];

function setup([kind, xs, fs, s]) {
  const x = tf.randomUniform(xs, -1, 1);
  const f = tf.randomUniform(fs, -1, 1);
  const dw = kind.startsWith('dw-');
  const y = dw ? tf.depthwiseConv2d(x, f, s, 'same') : tf.conv2d(x, f, s, 'same');
  const dy = tf.randomUniform(y.shape, -1, 1);
  // Dense: 2 * outputs * FH * FW * IC; depthwise: 2 * outputs * FH * FW.
  const flops = 2 * y.size * fs[0] * fs[1] * (dw ? 1 : fs[2]);
  y.dispose();
  const conv = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  const forward = () =>
    tf.engine().runKernel(dw ? 'DepthwiseConv2dNative' : 'Conv2D', { x, filter: f }, conv);
  const name = {
    filter: 'Conv2DBackpropFilter',
    input: 'Conv2DBackpropInput',
    'dw-filter': 'DepthwiseConv2dNativeBackpropFilter',
    'dw-input': 'DepthwiseConv2dNativeBackpropInput',
  }[kind];
  const inputs = kind.endsWith('filter') ? { x, dy } : { dy, filter: f };
  const attrs = kind.endsWith('filter')
    ? { ...conv, filterShape: fs }
    : { ...conv, inputShape: xs };
  const grad = () => tf.engine().runKernel(name, inputs, attrs);
  return { kind, xs, fs, s, flops, forward, grad };
}

function time(fn, simd) {
  env.set(FLAG, simd);
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  out.dispose();
  return ms;
}

const runs = cases.map(setup);
const samples = runs.map(() => ({ forward: [], old: [], new: [] }));
for (const r of runs) {
  time(r.forward, true);
  time(r.grad, false);
  time(r.grad, true);
}
for (let round = 0; round < rounds; round++) {
  for (const [i, r] of runs.entries()) {
    samples[i].forward.push(time(r.forward, true));
    samples[i].old.push(time(r.grad, false));
    samples[i].new.push(time(r.grad, true));
  }
}
env.set(FLAG, true);

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1];
};
const cell = (ms, flops) => `${ms.toFixed(2)} ms ${(flops / ms / 1e6).toFixed(1).padStart(5)}`;
console.log(`median of ${rounds} interleaved rounds; GFLOP/s = 2*MACs of the convolution / time`);
console.log(
  '| kernel | x | filter | s | forward (Conv2D / DepthwiseConv2dNative) | old (JS path) | new (SIMD) | new/old speedup | new/forward GFLOP/s |',
);
console.log('|---|---|---|---|---:|---:|---:|---:|---:|');
for (const [i, r] of runs.entries()) {
  const f = median(samples[i].forward);
  const o = median(samples[i].old);
  const n = median(samples[i].new);
  console.log(
    `| ${r.kind} | ${r.xs.join('x')} | ${r.fs.join('x')} | ${r.s} | ${cell(f, r.flops)} | ${cell(o, r.flops)} | ${cell(n, r.flops)} | ${(o / n).toFixed(2)}x | ${(f / n).toFixed(2)} |`,
  );
}
