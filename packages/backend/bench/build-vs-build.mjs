// Two builds of this package, kernel by kernel: the gradient kernels of the trainer's demo
// shapes (batch 8, 96 px input; 3x3 convs at stride 2 and 1 on 48/24/12/6 px, 16/32/48
// channels), the depthwise pair, the pool gradients and the nearest-resize gradient, on wasm
// with our SIMD kernels, wasm with them off (the JS fallbacks) and cpu. Each round times every
// case once with the old build's kernel and once with the new one's, alternating which goes
// first; prints the best (least preempted) and median times and new/old of the best. Both builds register into the same tfjs, so their
// kernel configs are captured one after the other and called directly. Run after `pnpm build`,
// with a copy of an earlier `dist/` (its folder must sit where it resolves `@tensorflow/*`,
// e.g. `node_modules/.old-dist`):
//   node --import ./bench/resolve-hook.mjs bench/build-vs-build.mjs node_modules/.old-dist \
//     [rounds] ['wasm SIMD,wasm JS,cpu']
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const oldDir = process.argv[2];
const rounds = Number(process.argv[3] ?? 15);
const modes = (process.argv[4] ?? 'wasm SIMD,wasm JS,cpu').split(',');
if (oldDir == null) throw new Error('usage: build-vs-build.mjs <old dist folder> [rounds]');
const FLAG = 'BURNIN_WASM_SIMD_KERNELS';

await tf.setBackend('cpu');
await tf.setBackend('wasm');
const env = tf.env();
if (env.flagRegistry[FLAG] == null) env.registerFlag(FLAG, () => true);

const NAMES = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'ResizeNearestNeighborGrad',
];
async function capture(file) {
  const build = await import(pathToFileURL(path.resolve(file)).href);
  build.registerTrainingKernels();
  const out = {};
  for (const backend of ['wasm', 'cpu']) {
    for (const name of NAMES) out[`${name}|${backend}`] = tf.getKernel(name, backend);
  }
  return out;
}
const builds = {
  old: await capture(path.join(oldDir, 'index.js')),
  new: await capture(process.env.BURNIN_NEW_DIST ?? 'dist/index.js'),
};

const conv = (xs, fs, s) => ({ xs, fs, s });
const DEMO = [
  conv([8, 96, 96, 3], [3, 3, 3, 16], 2),
  conv([8, 48, 48, 16], [3, 3, 16, 32], 2),
  conv([8, 24, 24, 32], [3, 3, 32, 32], 1),
  conv([8, 24, 24, 32], [3, 3, 32, 48], 2),
  conv([8, 12, 12, 48], [3, 3, 48, 48], 1),
  conv([8, 6, 6, 48], [3, 3, 48, 48], 1),
];
const DEPTHWISE = [
  conv([8, 24, 24, 32], [3, 3, 32, 1], 1),
  conv([8, 48, 48, 16], [3, 3, 16, 1], 2),
  conv([8, 24, 24, 16], [3, 3, 16, 2], 1),
];
const POOLS = [
  { xs: [8, 48, 48, 16], size: 2, s: 2, pad: 'valid' },
  { xs: [8, 24, 24, 32], size: 3, s: 2, pad: 'same' },
  { xs: [32, 30, 30, 8], size: 2, s: 2, pad: 'valid' },
];

/** Every case: [label, kernel name, inputs (created on `backend`), attrs]. */
function cases(backend) {
  const list = [];
  const rand = (shape) => tf.randomUniform(shape, -1, 1);
  for (const { xs, fs, s } of DEMO) {
    const x = rand(xs);
    const f = rand(fs);
    const dy = rand(tf.conv2d(x, f, s, 'same').shape);
    const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const label = `${xs.join('x')} * ${fs.join('x')} s${s}`;
    // The cpu backend keeps the stock Conv2DBackpropInput; its big filter gradients take
    // seconds, so cpu runs the smaller half.
    if (backend !== 'cpu' || xs[1] <= 24) {
      list.push([label, 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fs }]);
    }
    if (backend !== 'cpu') {
      list.push([label, 'Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xs }]);
    }
  }
  for (const { xs, fs, s } of DEPTHWISE) {
    const x = rand(xs);
    const f = rand(fs);
    const dy = rand(tf.depthwiseConv2d(x, f, s, 'same').shape);
    const attrs = { strides: s, pad: 'same', dilations: 1 };
    const label = `${xs.join('x')} * ${fs.join('x')} s${s}`;
    list.push([
      label,
      'DepthwiseConv2dNativeBackpropFilter',
      { x, dy },
      { ...attrs, filterShape: fs },
    ]);
    list.push([
      label,
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter: f },
      { ...attrs, inputShape: xs },
    ]);
  }
  for (const { xs, size, s, pad } of POOLS) {
    const x = rand(xs);
    const attrs = { filterSize: size, strides: s, pad };
    const y = tf.maxPool(x, size, s, pad);
    const dy = rand(y.shape);
    const label = `${xs.join('x')} ${size}x${size} s${s} ${pad}`;
    list.push([label, 'MaxPoolGrad', { dy, input: x, output: y }, attrs]);
    list.push([label, 'AvgPoolGrad', { dy, input: x }, attrs]);
  }
  const images = rand([8, 12, 12, 48]);
  const dy = rand([8, 24, 24, 48]);
  const attrs = { alignCorners: false, halfPixelCenters: false, size: [24, 24] };
  list.push(['8x12x12x48 to 24x24', 'ResizeNearestNeighborGrad', { images, dy }, attrs]);
  return list;
}

function time(config, backend, inputs, attrs) {
  const t0 = performance.now();
  const out = config.kernelFunc({ inputs, backend, attrs });
  const ms = performance.now() - t0;
  backend.disposeData(out.dataId);
  return ms;
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1];
};
const best = (a) => Math.min(...a);

console.log(
  `${rounds} rounds, old and new alternating; best and median ms; ratio = new / old of the best`,
);
console.log(
  '| backend | kernel | case | old best | new best | old median | new median | new/old |',
);
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const mode of modes) {
  const backendName = mode === 'cpu' ? 'cpu' : 'wasm';
  await tf.setBackend(backendName);
  env.set(FLAG, mode !== 'wasm JS');
  const backend = tf.backend();
  const list = cases(backendName);
  const samples = list.map(() => ({ old: [], new: [] }));
  for (let round = -1; round < rounds; round++) {
    for (const [i, [, name, inputs, attrs]] of list.entries()) {
      const order = (round + i) % 2 === 0 ? ['old', 'new'] : ['new', 'old'];
      for (const which of order) {
        const ms = time(builds[which][`${name}|${backendName}`], backend, inputs, attrs);
        if (round >= 0) samples[i][which].push(ms); // round -1 warms up
      }
    }
  }
  for (const [i, [label, name]] of list.entries()) {
    const { old: o, new: n } = samples[i];
    const cells = [best(o), best(n), median(o), median(n)].map((ms) => ms.toFixed(3));
    const ratio = (best(n) / best(o)).toFixed(2);
    console.log(`| ${mode} | ${name} | ${label} | ${cells.join(' | ')} | ${ratio} |`);
  }
  env.set(FLAG, true);
}
