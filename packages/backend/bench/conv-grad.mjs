// Micro-benchmark of the wasm SIMD kernels: the conv gradients on the demo detector's shapes
// (batch 8, NHWC, 'same') and the tiny CNN's first layers, MaxPoolGrad / AvgPoolGrad and
// leading-axes Sum / Mean on the tiny CNN's shapes (batch 32): the forward op (stock tfjs-wasm)
// vs the JS fallback path or stock kernel ("old", BURNIN_WASM_SIMD_KERNELS off) vs the SIMD
// kernels ("new"), interleaved round by round; prints median ms and, for convolutions, GFLOP/s
// (2*MACs of the dense convolution). Run after `pnpm build`:
//   node --import ./bench/resolve-hook.mjs bench/conv-grad.mjs [rounds]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '../dist/index.js';

const FLAG = 'BURNIN_WASM_SIMD_KERNELS';
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
  // The tiny CNN (bench.mjs, batch 32, 'valid'): conv8 on 32x32x3, conv16 on 15x15x8.
  ['filter', [32, 32, 32, 3], [3, 3, 3, 8], 1, 'valid'],
  ['filter', [32, 15, 15, 8], [3, 3, 8, 16], 1, 'valid'],
  ['input', [32, 15, 15, 8], [3, 3, 8, 16], 1, 'valid'],
  // Pooling gradients and reductions of the tiny CNN: [kind, x shape]; forward = MaxPool/AvgPool.
  ['max-pool-grad', [32, 30, 30, 8]],
  ['max-pool-grad', [32, 13, 13, 16]],
  ['avg-pool-grad', [32, 30, 30, 8]],
  ['sum', [32, 30, 30, 8]],
  ['sum', [32, 13, 13, 16]],
  ['mean', [32, 13, 13, 16]],
];

function setupOther([kind, xs]) {
  const x = tf.randomUniform(xs, -1, 1);
  if (kind === 'sum' || kind === 'mean') {
    const name = kind === 'sum' ? 'Sum' : 'Mean';
    const attrs = { axis: [0, 1, 2], keepDims: false };
    const grad = () => tf.engine().runKernel(name, { x }, attrs);
    return { kind, xs, fs: [], s: '', flops: null, forward: null, grad };
  }
  const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
  const max = kind === 'max-pool-grad';
  const forward = () => tf.engine().runKernel(max ? 'MaxPool' : 'AvgPool', { x }, attrs);
  const y = forward();
  const dy = tf.randomUniform(y.shape, -1, 1);
  const grad = max
    ? () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, attrs)
    : () => tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, attrs);
  return { kind, xs, fs: [2, 2], s: 2, flops: null, forward, grad };
}

function setup([kind, xs, fs, s, pad = 'same']) {
  if (fs === undefined) return setupOther([kind, xs]);
  const x = tf.randomUniform(xs, -1, 1);
  const f = tf.randomUniform(fs, -1, 1);
  const dw = kind.startsWith('dw-');
  const y = dw ? tf.depthwiseConv2d(x, f, s, pad) : tf.conv2d(x, f, s, pad);
  const dy = tf.randomUniform(y.shape, -1, 1);
  // Dense: 2 * outputs * FH * FW * IC; depthwise: 2 * outputs * FH * FW.
  const flops = 2 * y.size * fs[0] * fs[1] * (dw ? 1 : fs[2]);
  y.dispose();
  const conv = { strides: s, pad, dataFormat: 'NHWC', dilations: 1 };
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
const none = () => ({ dispose() {} });
for (const r of runs) r.forward ??= none;
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
const cell = (ms, flops) =>
  flops == null
    ? `${ms.toFixed(3)} ms`
    : `${ms.toFixed(2)} ms ${(flops / ms / 1e6).toFixed(1).padStart(5)}`;
console.log(`median of ${rounds} interleaved rounds; GFLOP/s = 2*MACs of the convolution / time`);
console.log(
  '| kernel | x | filter | s | forward (Conv2D / DepthwiseConv2dNative / MaxPool / AvgPool) | old (JS path / stock) | new (SIMD) | new/old speedup | forward/new time |',
);
console.log('|---|---|---|---|---:|---:|---:|---:|---:|');
for (const [i, r] of runs.entries()) {
  const f = median(samples[i].forward);
  const o = median(samples[i].old);
  const n = median(samples[i].new);
  console.log(
    `| ${r.kind} | ${r.xs.join('x')} | ${r.fs.join('x')} | ${r.s} | ${r.forward === none ? '' : cell(f, r.flops)} | ${cell(o, r.flops)} | ${cell(n, r.flops)} | ${(o / n).toFixed(2)}x | ${r.forward === none ? '' : (f / n).toFixed(2)} |`,
  );
}
