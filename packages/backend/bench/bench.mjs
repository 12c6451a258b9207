// Training-speed benchmark: ms per epoch of a tiny CNN and of a CenterNet-style detection model
// on the stock cpu backend, cpu with our kernels, wasm with our kernels at 1 thread and at all
// cores (both routes: native convolutions on every core, and XNNPACK's pool), wasm with
// @burnin/tfjs-adapter's fused Adam (the optimizer the trainer uses; tfjs's own Adam runs ~18
// kernels per variable) at 1 thread and at all cores, tfjs-node (when it loads) and the PyTorch
// CPU twins (bench/torch_tiny_cnn.py, when `import torch` works) at 1 thread and at all cores
// (and, for ours with the native convolutions and for torch, at 2, 4, 8, ... threads below the
// core count, where there are more than 2 cores). Every measurement runs in its own child
// process (the wasm backend initialises once per process, with one thread count; each child
// reports its own peak RSS); configurations are interleaved round by round (the machine may be
// shared) and the tables report medians and ratios from this one run, then the kernel split of
// one training step on wasm (tf.profile). Run after `pnpm build`:
//   pnpm --filter @burnin/backend bench   [--rounds N] [--quick] [--no-profile]
// Child mode (what the parent runs; prints one JSON line):
//   node --import ./bench/resolve-hook.mjs bench/bench.mjs --child wasm --threads 2 --workload tiny
// Env: BURNIN_PYTHON (default python3) is the interpreter of the torch twin.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const quick = flag('--quick');
const ROUNDS = Number(option('--rounds', quick ? 1 : 5));
const CORES =
  typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const JSON_PREFIX = 'BENCH_JSON ';

/**
 * Untimed training steps before the timed ones, for ours and the torch twin alike. V8 compiles
 * tfjs's JavaScript (layers, autodiff, engine) as it runs: a tiny-CNN epoch takes ~90 ms first,
 * ~45 next and settles at ~30-35 after about 10 epochs (80 steps). A real run is thousands of
 * steps: the bench reports the settled speed.
 */
const WARMUP_STEPS = { tiny: 80, detection: 40 };

const WORKLOADS = {
  tiny: { input: [32, 32, 3], output: [4], samples: 256, batch: 32 },
  detection: { input: [128, 128, 3], output: [32, 32, 7], samples: 64, batch: 8 },
};

if (option('--child', null) != null) {
  await child(option('--child'));
  process.exit(0); // the threaded wasm build's pool threads never exit by themselves
} else {
  await parent();
}

// ================================ child: one measurement =======================================

async function child(kind) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const tfl = await import('@tensorflow/tfjs-layers');
  const burnin = await import('../dist/index.js');
  const out = {};

  if (kind === 'probe') {
    out.tensorflow = loadTensorflow(tf);
    out.tfjs = tf.version_core;
    out.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    console.log(JSON_PREFIX + JSON.stringify(out));
    return;
  }
  const requested = Number(option('--threads', 1));
  if (kind === 'cpu-stock') {
    await tf.setBackend('cpu');
  } else if (kind === 'cpu') {
    burnin.registerTrainingKernels();
    await tf.setBackend('cpu');
  } else if (kind === 'tensorflow') {
    const status = loadTensorflow(tf);
    if (status !== 'ok') throw new Error(`tfjs-node ${status}`);
    burnin.registerTrainingKernels();
    await tf.setBackend('tensorflow');
  } else if (kind === 'wasm') {
    // `threads` is passed through when this @burnin/backend build has the option (parent checks
    // dist/index.d.ts); older builds ignore it and run single-threaded.
    const choice = await burnin.initBackend('wasm', {
      threads: requested,
      log: (line) => {
        out.log = line;
      },
    });
    // The threads it computes with: the native convolutions' beside the single-threaded build
    // (older builds without `threads` in the result: the wasm build's).
    out.threads = choice?.threads ?? wasm.getThreadsCount();
    out.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  } else {
    throw new Error(`unknown --child ${kind}`);
  }
  const workload = option('--workload', 'tiny');
  const w = WORKLOADS[workload];
  const build = workload === 'tiny' ? tinyCnn : detectionModel;
  // --fused-adam: tfjs's Adam driven by @burnin/tfjs-adapter (constant rate), whose update runs
  // as one BurninAdamUpdate kernel per variable instead of ~18 small kernels
  const adapter = flag('--fused-adam') ? await import('@burnin/tfjs-adapter') : null;
  const optimizer = () =>
    adapter ? adapter.withSchedule(tf.train.adam(1e-3), () => 1e-3) : tf.train.adam(1e-3);
  if (flag('--profile')) {
    out.profile = await profileStep(tf, build(tfl, optimizer()), w, Number(option('--steps', 3)));
  } else {
    const model = build(tfl, optimizer());
    const batches = Number(option('--batches', 1));
    const warmup = Number(option('--warmup', 0));
    out.ms = await measure(tf, model, w, batches, warmup, Number(option('--repeats', 1)));
  }
  out.maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log(JSON_PREFIX + JSON.stringify(out));
}

function loadTensorflow(tf) {
  try {
    createRequire(path.join(process.cwd(), 'noop.js'))('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') != null ? 'ok' : 'loaded, no backend';
  } catch (error) {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
    for (const k of tf.getKernelsForBackend('tensorflow'))
      tf.unregisterKernel(k.kernelName, 'tensorflow');
    return `unavailable (${String(error.message).split('\n')[0].slice(0, 60)})`;
  }
}

function tinyCnn(tfl, optimizer) {
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
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

/** CenterNet-style: 128x128x3 -> stride-4 maps: 3 heatmaps, 2 size, 2 offset channels. */
function detectionModel(tfl, optimizer) {
  const convBnRelu = (x, filters, strides) => {
    const c = tfl.layers
      .conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false })
      .apply(x);
    const b = tfl.layers.batchNormalization().apply(c);
    return tfl.layers.reLU().apply(b);
  };
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
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

/**
 * ms per epoch of `samples` samples with model.fit: `warmup` untimed passes over the same
 * `batches` batches (V8 compiles tfjs's JavaScript over the first ~80 steps; the torch twin warms
 * up for as many steps), then `repeats` timed passes of
 * `batches` batches (fewer than an epoch for the slow cpu backends), scaled to the epoch; the
 * median pass.
 */
async function measure(tf, model, w, batches, warmup, repeats) {
  const n = batches * w.batch;
  const xs = tf.randomUniform([n, ...w.input]);
  const ys = tf.randomUniform([n, ...w.output]);
  const fit = () =>
    model.fit(xs, ys, { batchSize: w.batch, epochs: 1, verbose: 0, shuffle: false });
  for (let i = 0; i < warmup; i++) await fit();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fit();
    times.push(performance.now() - start);
  }
  tf.dispose([xs, ys]);
  model.dispose();
  return (median(times) / batches) * (w.samples / w.batch);
}

/**
 * One training step (trainOnBatch: forward, backward, Adam update) of one batch: the median
 * wall time of `steps` plain steps, then `steps` steps under tf.profile: per kernel name the
 * time per step and calls per step, the sum of kernel times and the profiled steps' wall time.
 */
async function profileStep(tf, model, w, steps) {
  const x = tf.randomUniform([w.batch, ...w.input]);
  const y = tf.randomUniform([w.batch, ...w.output]);
  for (let i = 0; i < WARMUP_STEPS[w === WORKLOADS.tiny ? 'tiny' : 'detection']; i++) {
    await model.trainOnBatch(x, y); // warm-up, as many steps as the timed runs'
  }
  const plain = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    await model.trainOnBatch(x, y);
    plain.push(performance.now() - t);
  }
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const byName = new Map();
  const backend = tf.getBackend();
  const wrappers = new Set();
  let wall = 0;
  let kernels = 0;
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    const info = await tf.profile(() => model.trainOnBatch(x, y));
    wall += performance.now() - t;
    for (const k of info.kernels) {
      // tf.customGrad ops (e.g. `fusedConv2d__op`) are profiled under their scope name around
      // the kernels they run: count those kernels, not the wrapper.
      if (tf.getKernel(k.name, backend) == null) {
        wrappers.add(k.name);
        continue;
      }
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls += 1;
      byName.set(k.name, e);
      kernels += 1;
    }
  }
  tf.dispose([x, y]);
  model.dispose();
  const split = [...byName]
    .map(([name, e]) => ({ name, ms: e.ms / steps, calls: e.calls / steps }))
    .sort((a, b) => b.ms - a.ms);
  return {
    stepMs: median(plain),
    profiledWallMs: wall / steps,
    kernelMs: split.reduce((a, e) => a + e.ms, 0),
    kernelsPerStep: kernels / steps,
    wrappers: [...wrappers],
    split,
  };
}

// ================================ parent: the run and the tables ================================

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs `cmd args`, returns { json, stdout } or { error }. */
function run(cmd, cmdArgs, parse, env) {
  const r = spawnSync(cmd, cmdArgs, {
    cwd: process.cwd(),
    env: env == null ? process.env : { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 15 * 60_000,
  });
  if (r.status !== 0) {
    const text = `${r.error?.message ?? ''} ${r.stderr ?? ''}`.trim().split('\n');
    return { error: `exit ${r.status ?? r.signal}: ${text.slice(-1)[0]?.slice(0, 160)}` };
  }
  const parsed = parse(r.stdout);
  return parsed == null ? { error: `no result in output: ${r.stdout.slice(-160)}` } : parsed;
}

function nodeChild(kind, extra, env) {
  // Keep only the --import hook (not e.g. --cpu-prof) for the children.
  const execArgs = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i];
    if (a === '--import' || a === '--loader') execArgs.push(a, process.execArgv[++i]);
    else if (a.startsWith('--import=')) execArgs.push(a);
  }
  return run(
    process.execPath,
    [...execArgs, fileURLToPath(import.meta.url), '--child', kind, ...extra],
    (stdout) => {
      const line = stdout.split('\n').find((l) => l.startsWith(JSON_PREFIX));
      return line == null ? null : JSON.parse(line.slice(JSON_PREFIX.length));
    },
    env,
  );
}

function torchChild(python, threads, workload) {
  const script = path.join(HERE, 'torch_tiny_cnn.py');
  const epochs = quick ? '2' : workload === 'tiny' ? '5' : '3';
  const warmup = String(
    WARMUP_STEPS[workload] / (WORKLOADS[workload].samples / WORKLOADS[workload].batch),
  );
  const cmdArgs = [
    script,
    String(threads),
    '--model',
    workload,
    '--epochs',
    epochs,
    '--warmup',
    warmup,
  ];
  return run(python, cmdArgs, (stdout) => {
    const ms = stdout.match(/^torch ms\/epoch ([\d.]+)/m);
    if (ms == null) return null;
    const rss = stdout.match(/^# maxrss_kb (\d+)/m);
    return { ms: Number(ms[1]), maxRssMB: rss == null ? null : Number(rss[1]) / 1024, threads };
  });
}

async function parent() {
  const started = performance.now();
  const dts = readFileSync(path.join(HERE, '..', 'dist', 'index.d.ts'), 'utf8');
  const threadsOption = /\bthreads\??:/.test(dts);
  const python = process.env.BURNIN_PYTHON || 'python3';
  const torchCheck = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
  });
  const torchVersion = torchCheck.status === 0 ? torchCheck.stdout.trim() : null;
  const probe = nodeChild('probe', []);
  if (probe.error) throw new Error(`probe child failed: ${probe.error}`);

  const allThreads = threadsOption ? CORES : 1;
  const allLabel = threadsOption
    ? `wasm + burnin kernels, ${CORES} threads (native convolutions on every core)`
    : `wasm + burnin kernels, "all cores" (threads option not available: 1 thread)`;
  // Per workload: timed batches, whether to warm up, whether to run in every round (the slow cpu
  // backends run once; stock cpu skips the detection model: over a minute per batch).
  const configs = [
    {
      name: 'cpu (stock)',
      kind: 'cpu-stock',
      threads: 1,
      plan: { tiny: { batches: 1, warmup: 0, everyRound: false } },
    },
    {
      name: 'cpu + burnin kernels',
      kind: 'cpu',
      threads: 1,
      plan: {
        tiny: { batches: 2, warmup: 1, everyRound: true },
        detection: { batches: 1, warmup: 0, everyRound: false },
      },
    },
    {
      name: 'wasm + burnin kernels, 1 thread',
      key: 'wasm1',
      kind: 'wasm',
      threads: 1,
      plan: {
        tiny: { batches: 8, warmup: WARMUP_STEPS.tiny / 8, everyRound: true, repeats: 5 },
        detection: { batches: 2, warmup: WARMUP_STEPS.detection / 2, everyRound: true, repeats: 3 },
      },
    },
  ];
  const wasm1 = configs[configs.length - 1];
  // How ours and torch scale where there are more cores: 2, 4, 8, ... below the core count too.
  const between = threadsOption ? [2, 4, 8, 16, 32].filter((t) => t < CORES) : [];
  for (const t of between) {
    configs.push({
      ...wasm1,
      name: `wasm + burnin kernels, ${t} threads (native convolutions)`,
      key: `wasm${t}`,
      threads: t,
      requested: t,
      profile: false,
    });
  }
  if (CORES > 1) {
    configs.push({
      ...wasm1,
      name: allLabel,
      key: 'wasmAll',
      threads: allThreads,
      requested: CORES,
    });
    if (threadsOption) {
      // The other route to every core: tfjs-backend-wasm's threaded build (XNNPACK's pool),
      // which initBackend takes where the native kernels do not load.
      configs.push({
        ...wasm1,
        name: `wasm + burnin kernels, ${CORES} threads (XNNPACK pool, BURNIN_NATIVE=0)`,
        key: 'wasmAllXnnpack',
        threads: CORES,
        requested: CORES,
        env: { BURNIN_NATIVE: '0' },
        profile: false,
      });
    }
  }
  configs.push({
    ...wasm1,
    name: 'wasm + burnin kernels + fused Adam (@burnin/tfjs-adapter), 1 thread',
    key: 'wasmFused',
    extra: ['--fused-adam'],
    profile: false,
  });
  if (CORES > 1 && threadsOption) {
    configs.push({
      ...wasm1,
      name: `wasm + burnin kernels + fused Adam (@burnin/tfjs-adapter), ${CORES} threads`,
      key: 'wasmFusedAll',
      threads: CORES,
      requested: CORES,
      extra: ['--fused-adam'],
    });
  }
  if (probe.tensorflow === 'ok') {
    configs.push({
      name: 'tfjs-node',
      kind: 'tensorflow',
      threads: CORES,
      plan: {
        tiny: { batches: 8, warmup: WARMUP_STEPS.tiny / 8, everyRound: true },
        detection: { batches: 8, warmup: WARMUP_STEPS.detection / 8, everyRound: true },
      },
    });
  }
  if (torchVersion != null) {
    const every = { everyRound: true };
    for (const threads of CORES > 1 ? [1, ...between, CORES] : [1]) {
      configs.push({
        name: `PyTorch ${torchVersion} CPU, ${threads} thread${threads > 1 ? 's' : ''}`,
        key: `torch${threads}`,
        kind: 'torch',
        threads,
        plan: { tiny: every, detection: every },
      });
    }
  }

  const results = new Map(); // `${workload}|${name}` -> [{ ms, maxRssMB, ... }]
  const failures = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of Object.keys(WORKLOADS)) {
      for (const config of configs) {
        const plan = config.plan[workload];
        const key = `${workload}|${config.name}`;
        if (plan == null || (round > 0 && !plan.everyRound) || failures.has(key)) continue;
        const r =
          config.kind === 'torch'
            ? torchChild(python, config.threads, workload)
            : nodeChild(
                config.kind,
                [
                  '--workload',
                  workload,
                  '--threads',
                  String(config.requested ?? config.threads),
                  '--batches',
                  String(plan.batches),
                  ...(plan.warmup ? ['--warmup', String(plan.warmup)] : []),
                  ...(plan.repeats ? ['--repeats', String(plan.repeats)] : []),
                  ...(config.extra ?? []),
                ],
                config.env,
              );
        if (r.error) {
          failures.set(key, r.error);
          process.stderr.write(`round ${round + 1} ${workload} ${config.name}: ${r.error}\n`);
          continue;
        }
        results.set(key, [...(results.get(key) ?? []), r]);
        if (r.threads != null && config.kind === 'wasm') config.actualThreads = r.threads;
        process.stderr.write(
          `round ${round + 1} ${workload} ${config.name}: ${r.ms.toFixed(0)} ms/epoch, ${r.maxRssMB?.toFixed(0)} MB${r.log ? ` (${r.log})` : ''}\n`,
        );
      }
    }
  }

  // Kernel split of one training step on wasm: 1 thread, all cores, fused Adam at all cores.
  const profiles = [];
  if (!flag('--no-profile')) {
    for (const workload of Object.keys(WORKLOADS)) {
      for (const config of configs.filter((c) => c.kind === 'wasm' && c.profile !== false)) {
        const r = nodeChild(
          'wasm',
          [
            '--workload',
            workload,
            '--threads',
            String(config.requested ?? config.threads),
            '--profile',
            '--steps',
            quick ? '2' : '4',
            ...(config.extra ?? []),
          ],
          config.env,
        );
        if (r.error) process.stderr.write(`profile ${workload} ${config.name}: ${r.error}\n`);
        else profiles.push({ workload, config, ...r });
      }
    }
  }

  console.log(
    `\n@burnin/backend training benchmark: node ${process.version}, tfjs ${probe.tfjs}, wasm SIMD ${probe.simd}, ${CORES} cores, tfjs-node: ${probe.tensorflow}, torch: ${torchVersion ?? `not available (${python} -c "import torch" failed)`}, @burnin/backend threads option: ${threadsOption ? 'yes' : 'not available (dist/index.d.ts)'}`,
  );
  console.log(
    `median over ${ROUNDS} interleaved round(s), one child process per measurement (cpu backends: one round, a few batches scaled to the epoch); total ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const torchAt = (workload, threads) => {
    const c = configs.find((k) => k.kind === 'torch' && k.threads === threads);
    const v = c && results.get(`${workload}|${c.name}`);
    return v ? median(v.map((r) => r.ms)) : null;
  };
  for (const workload of Object.keys(WORKLOADS)) {
    const w = WORKLOADS[workload];
    const get = (name) => {
      const v = results.get(`${workload}|${name}`);
      return v == null ? null : v;
    };
    const wasm1 = get('wasm + burnin kernels, 1 thread');
    const wasm1Ms = wasm1 ? median(wasm1.map((r) => r.ms)) : null;
    const stock = get('cpu (stock)');
    const stockMs = stock ? median(stock.map((r) => r.ms)) : null;
    console.log(`${workload} (${w.samples} samples, batch ${w.batch}): ms/epoch, lower is better`);
    console.log(
      '| configuration | threads | ms/epoch (median) | best | runs | vs stock cpu | time vs wasm 1 thread | ours / torch (same threads) | peak RSS MB (max) |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const config of configs) {
      if (config.plan[workload] == null) {
        console.log(`| ${config.name} | | not run (over a minute per batch) | | | | | | |`);
        continue;
      }
      const v = get(config.name);
      if (v == null) {
        const why = failures.get(`${workload}|${config.name}`) ?? 'not run';
        console.log(`| ${config.name} | | failed: ${why.replace(/\|/g, '/')} | | | | | | |`);
        continue;
      }
      const ms = median(v.map((r) => r.ms));
      const best = Math.min(...v.map((r) => r.ms));
      const threads =
        config.kind === 'wasm' ? (config.actualThreads ?? config.threads) : config.threads;
      const torch = config.kind === 'torch' ? null : torchAt(workload, threads);
      const rss = Math.max(...v.map((r) => r.maxRssMB ?? 0));
      const cells = [
        config.name,
        threads,
        ms.toFixed(0),
        best.toFixed(0),
        v.length,
        stockMs == null ? 'n/a' : `${(stockMs / ms).toFixed(1)}x`,
        wasm1Ms == null ? 'n/a' : `${(ms / wasm1Ms).toFixed(2)}x`,
        torch == null ? '' : `${(ms / torch).toFixed(2)}x`,
        rss > 0 ? rss.toFixed(0) : 'n/a',
      ];
      console.log(`| ${cells.join(' | ')} |`);
    }
    const medians = (kind) =>
      configs
        .filter((c) => c.kind === kind && get(c.name) != null)
        .map((c) => ({ name: c.name, ms: median(get(c.name).map((r) => r.ms)) }))
        .sort((a, b) => a.ms - b.ms);
    const [ours] = medians('wasm');
    const [torch] = medians('torch');
    if (ours != null && torch != null) {
      console.log(
        `\nbest of ours / best PyTorch: ${(ours.ms / torch.ms).toFixed(2)}x (${ours.name}: ${ours.ms.toFixed(0)} ms/epoch; ${torch.name}: ${torch.ms.toFixed(0)} ms/epoch)`,
      );
    }
    console.log('');
  }

  for (const p of profiles) {
    const { stepMs, profiledWallMs, kernelMs, kernelsPerStep, split } = p.profile;
    const w = WORKLOADS[p.workload];
    const outside = Math.max(0, profiledWallMs - kernelMs);
    console.log(
      `kernel split of one ${p.workload} training step (trainOnBatch of ${w.batch}), ${p.config.name} (${p.threads} thread(s)): ${stepMs.toFixed(1)} ms/step unprofiled (median); profiled steps ${profiledWallMs.toFixed(1)} ms of which ${kernelMs.toFixed(1)} ms in ${kernelsPerStep.toFixed(0)} kernel calls and ${outside.toFixed(1)} ms (${((100 * outside) / profiledWallMs).toFixed(0)}%) outside kernels (JS: tfjs-layers, autodiff, engine bookkeeping)`,
    );
    console.log('| kernel | ms/step | share of kernel time | calls/step |');
    console.log('|---|---:|---:|---:|');
    const top = split.slice(0, 6);
    const rest = split.slice(6);
    const other = {
      name: `other (${rest.length} kernels)`,
      ms: rest.reduce((a, e) => a + e.ms, 0),
      calls: rest.reduce((a, e) => a + e.calls, 0),
    };
    for (const e of rest.length > 0 ? [...top, other] : top) {
      console.log(
        `| ${e.name} | ${e.ms.toFixed(2)} | ${((100 * e.ms) / kernelMs).toFixed(1)}% | ${e.calls.toFixed(0)} |`,
      );
    }
    console.log('');
  }
}
