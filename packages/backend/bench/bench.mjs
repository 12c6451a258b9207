// Training-speed benchmark: ms per epoch of a tiny CNN and of a CenterNet-style detection model
// on the stock cpu backend, cpu with our kernels, wasm with our kernels and tfjs-node (when it
// loads). Configurations are interleaved round by round (the machine may be shared) and the
// table reports medians and ratios from this one run. Run after `pnpm build`:
//   pnpm --filter @burnin/backend bench   [--rounds N] [--quick]
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerTrainingKernels, trainingKernelNames } from '../dist/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : quick ? 1 : 5;

// ---- kernel sets: stock cpu kernels vs ours, swapped in place so runs can interleave --------
const cpuNames = trainingKernelNames().cpu;
const stockCpu = new Map(cpuNames.map((n) => [n, tf.getKernel(n, 'cpu')]));
registerTrainingKernels();
const oursCpu = new Map(cpuNames.map((n) => [n, tf.getKernel(n, 'cpu')]));
function useCpuKernels(set) {
  for (const [name, config] of set) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(config);
  }
}

let tensorflowStatus = 'not installed';
try {
  createRequire(path.join(process.cwd(), 'noop.js'))('@tensorflow/tfjs-node');
  tensorflowStatus = tf.findBackendFactory('tensorflow') != null ? 'ok' : 'loaded, no backend';
} catch (error) {
  tensorflowStatus = `unavailable (${String(error.message).split('\n')[0].slice(0, 60)})`;
  if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  for (const k of tf.getKernelsForBackend('tensorflow'))
    tf.unregisterKernel(k.kernelName, 'tensorflow');
}

// ---- models -----------------------------------------------------------------------------------
function tinyCnn() {
  const model = tfl.sequential();
  model.add(
    tfl.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.batchNormalization());
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 4 }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

function convBnRelu(x, filters, strides) {
  const c = tfl.layers
    .conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false })
    .apply(x);
  const b = tfl.layers.batchNormalization().apply(c);
  return tfl.layers.reLU().apply(b);
}

/** CenterNet-style: 128x128x3 -> stride-4 maps: 3 heatmaps, 2 size, 2 offset channels. */
function detectionModel() {
  const input = tfl.input({ shape: [128, 128, 3] });
  const s2 = convBnRelu(input, 16, 2);
  const s4 = convBnRelu(s2, 32, 2);
  const s8 = convBnRelu(s4, 64, 2);
  const deep = tfl.layers
    .conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(s8);
  const up = tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'nearest' }).apply(deep);
  const merged = tfl.layers.concatenate().apply([up, s4]);
  const neck = tfl.layers
    .conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(merged);
  const heat = tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'sigmoid' }).apply(neck);
  const size = tfl.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(neck);
  const offset = tfl.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(neck);
  const out = tfl.layers.concatenate().apply([heat, size, offset]);
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  return model;
}

const WORKLOADS = {
  tiny: { build: tinyCnn, input: [32, 32, 3], output: [4], samples: 256, batch: 32 },
  detection: {
    build: detectionModel,
    input: [128, 128, 3],
    output: [32, 32, 7],
    samples: 64,
    batch: 8,
  },
};

/**
 * ms per epoch of `samples` samples: optionally one warm-up batch, then `batches` timed batches
 * (fewer than an epoch for the slow cpu backends), scaled to the epoch.
 */
async function measure(workload, batches, warmup) {
  const w = WORKLOADS[workload];
  const model = w.build();
  const n = batches * w.batch;
  const xs = tf.randomUniform([n, ...w.input]);
  const ys = tf.randomUniform([n, ...w.output]);
  if (warmup) {
    const xw = tf.slice(xs, 0, w.batch);
    const yw = tf.slice(ys, 0, w.batch);
    await model.fit(xw, yw, { batchSize: w.batch, epochs: 1, verbose: 0 });
    tf.dispose([xw, yw]);
  }
  const start = performance.now();
  await model.fit(xs, ys, { batchSize: w.batch, epochs: 1, verbose: 0, shuffle: false });
  const ms = performance.now() - start;
  tf.dispose([xs, ys]);
  model.dispose();
  return (ms / batches) * (w.samples / w.batch);
}

// Per workload: timed batches, whether to warm up, and whether to run in every round (the slow
// cpu backends run once; stock cpu skips the detection model: over a minute per batch).
const CONFIGS = [
  {
    name: 'cpu (stock)',
    backend: 'cpu',
    kernels: stockCpu,
    plan: { tiny: { batches: 1, warmup: false, everyRound: false } },
  },
  {
    name: 'cpu + burnin kernels',
    backend: 'cpu',
    kernels: oursCpu,
    plan: {
      tiny: { batches: 2, warmup: true, everyRound: true },
      detection: { batches: 1, warmup: false, everyRound: false },
    },
  },
  {
    name: 'wasm + burnin kernels',
    backend: 'wasm',
    kernels: oursCpu,
    plan: {
      tiny: { batches: 8, warmup: true, everyRound: true },
      detection: { batches: 2, warmup: true, everyRound: true },
    },
  },
];
if (tensorflowStatus === 'ok') {
  CONFIGS.push({
    name: 'tfjs-node',
    backend: 'tensorflow',
    kernels: oursCpu,
    plan: {
      tiny: { batches: 8, warmup: true, everyRound: true },
      detection: { batches: 8, warmup: true, everyRound: true },
    },
  });
}

const results = new Map(); // `${workload}|${config}` -> ms[]
const started = performance.now();
for (let round = 0; round < ROUNDS; round++) {
  for (const workload of Object.keys(WORKLOADS)) {
    for (const config of CONFIGS) {
      const plan = config.plan[workload];
      if (plan == null || (round > 0 && !plan.everyRound)) continue;
      useCpuKernels(config.kernels);
      await tf.setBackend(config.backend);
      const ms = await measure(workload, plan.batches, plan.warmup);
      const key = `${workload}|${config.name}`;
      results.set(key, [...(results.get(key) ?? []), ms]);
      process.stderr.write(
        `round ${round + 1} ${workload} ${config.name}: ${ms.toFixed(0)} ms/epoch\n`,
      );
    }
  }
}
useCpuKernels(oursCpu);

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
console.log(
  `\n@burnin/backend training benchmark: node ${process.version}, tfjs ${tf.version_core}, wasm SIMD ${simd}, tfjs-node: ${tensorflowStatus}`,
);
console.log(
  `median over ${ROUNDS} interleaved round(s) (cpu backends: one round, a few batches scaled to the epoch); total ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
for (const workload of Object.keys(WORKLOADS)) {
  const w = WORKLOADS[workload];
  const get = (name) => {
    const v = results.get(`${workload}|${name}`);
    return v == null ? null : median(v);
  };
  const wasmMs = get('wasm + burnin kernels');
  const stockMs = get('cpu (stock)');
  console.log(`${workload} (${w.samples} samples, batch ${w.batch}): ms/epoch, lower is better`);
  console.log(
    '| backend | ms/epoch (median) | best | speed-up vs stock cpu | time vs wasm + burnin |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const config of CONFIGS) {
    const ms = get(config.name);
    if (ms == null) {
      console.log(`| ${config.name} | not run (over a minute per batch) | | | |`);
      continue;
    }
    const speedup = stockMs == null ? 'n/a' : `${(stockMs / ms).toFixed(1)}x`;
    const best = Math.min(...results.get(`${workload}|${config.name}`));
    console.log(
      `| ${config.name} | ${ms.toFixed(0)} | ${best.toFixed(0)} | ${speedup} | ${(ms / wasmMs).toFixed(2)}x |`,
    );
  }
  console.log('');
}
