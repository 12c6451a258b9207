// Thread scaling of the wasm backend: a [8,96,96,32] 3x3 conv, a 512x512 matMul and one
// training step (tfjs-layers, Adam, MSE, batch 32) of the README's tiny CNN, at threads 1 and at
// every core by both routes: the native convolutions on every core beside the single-threaded
// build (where they load) and tfjs-backend-wasm's threaded build (XNNPACK's pool, BURNIN_NATIVE=0).
// tfjs-backend-wasm initialises once per process, so each configuration runs in its own child
// process; rounds alternate the configurations, and each child reports the median of its
// repetitions. Prints the median over rounds and the speed-up over threads 1.
//
//   pnpm build && node bench/threads.mjs [--rounds 3]
//   node --import ./bench/resolve-hook.mjs bench/threads.mjs --child 2   (one configuration)
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function child(threads) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const tfl = await import('@tensorflow/tfjs-layers');
  const { initBackend } = await import('../dist/index.js');
  const choice = await initBackend('wasm', { threads, log: () => {} });

  const time = (warmup, reps, fn) => {
    for (let i = 0; i < warmup; i++) fn();
    const ms = [];
    for (let i = 0; i < reps; i++) {
      const start = performance.now();
      fn();
      ms.push(performance.now() - start);
    }
    return median(ms);
  };

  const x = tf.randomUniform([8, 96, 96, 32], -1, 1, 'float32', 1);
  const f = tf.randomUniform([3, 3, 32, 32], -1, 1, 'float32', 2);
  const conv = time(2, 9, () =>
    tf.tidy(() => {
      tf.conv2d(x, f, 1, 'same').dataSync(); // (a tidy that returned the array would walk it)
    }),
  );
  const a = tf.randomUniform([512, 512], -1, 1, 'float32', 3);
  const b = tf.randomUniform([512, 512], -1, 1, 'float32', 4);
  const matMul = time(3, 15, () =>
    tf.tidy(() => {
      tf.matMul(a, b).dataSync();
    }),
  );

  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const xs = tf.randomUniform([32, 32, 32, 3], 0, 1, 'float32', 5);
  const ys = tf.randomUniform([32, 4], 0, 1, 'float32', 6);
  const steps = [];
  for (let i = 0; i < 13; i++) {
    const start = performance.now();
    await model.trainOnBatch(xs, ys);
    if (i >= 3) steps.push(performance.now() - start);
  }
  const trainStep = median(steps);
  process.stdout.write(`${JSON.stringify({ choice, conv, matMul, trainStep })}\n`);
}

function runChild({ threads, env }) {
  const out = spawnSync(
    process.execPath,
    [
      '--import',
      path.join(HERE, 'resolve-hook.mjs'),
      fileURLToPath(import.meta.url),
      '--child',
      String(threads),
    ],
    { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } },
  );
  if (out.status !== 0) throw new Error(`child threads=${threads} failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1));
}

async function main() {
  const rounds = Number(arg('--rounds', '3'));
  const cores = os.availableParallelism();
  const configs = [{ label: 'threads: 1', threads: 1, env: {} }];
  if (cores > 1) {
    configs.push(
      { label: `threads: ${cores}`, threads: cores, env: {} },
      { label: `threads: ${cores}, BURNIN_NATIVE=0`, threads: cores, env: { BURNIN_NATIVE: '0' } },
    );
  }
  const results = new Map(configs.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (const config of r % 2 ? [...configs].reverse() : configs) {
      const result = runChild(config);
      results.get(config).push(result);
      console.error(
        `round ${r + 1}/${rounds} ${config.label} (${result.choice.reason}): conv ${result.conv.toFixed(1)} ms, matMul ${result.matMul.toFixed(1)} ms, train step ${result.trainStep.toFixed(1)} ms`,
      );
    }
  }
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `\nwasm thread scaling: node ${process.version}, ${cores} cores, load average ${load}, median over ${rounds} rounds of per-child medians\n`,
  );
  const ops = [
    ['conv2d [8,96,96,32] 3x3x32x32 same', 'conv'],
    ['matMul 512x512', 'matMul'],
    ['tiny CNN train step (batch 32)', 'trainStep'],
  ];
  for (const c of configs) console.log(`${c.label}: ${results.get(c)[0].choice.reason}`);
  const header = configs.map((c) => `${c.label}, ms`);
  const speedUps = configs.slice(1).map((c) => `speed-up, ${c.label}`);
  console.log(`\n| op | ${[...header, ...speedUps].join(' | ')} |`);
  console.log(`|---|${[...header, ...speedUps].map(() => '---:').join('|')}|`);
  for (const [label, key] of ops) {
    const meds = configs.map((c) => median(results.get(c).map((r) => r[key])));
    const ratios = meds.slice(1).map((m) => `${(meds[0] / m).toFixed(2)}x`);
    console.log(`| ${label} | ${[...meds.map((m) => m.toFixed(1)), ...ratios].join(' | ')} |`);
  }
}

if (argv[0] === '--child') await child(Number(argv[1]));
else await main();
