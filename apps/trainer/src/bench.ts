import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendChoice, initBackend, registerTrainingKernels } from '@burnin/backend';
import { withSchedule } from '@burnin/tfjs-adapter';
import '@tensorflow/tfjs-backend-wasm';
import {
  defaultSchedule,
  PRESETS,
  resolveConfig,
  type TrainConfig,
  validateConfig,
} from './config.js';
import { GC_ENV, gcSetting, gcV8Options, SINGLE_THREADED_GC_FLAG } from './run/gc-mode.js';
import * as tf from './tf.js';
import { createGradientStepper, prepareBatch } from './train/parallel.js';
import {
  batchAt,
  datasetsFromConfig,
  modelFromConfig,
  readMetrics,
  type TrainResult,
  train,
} from './train/train.js';

/**
 * Training throughput of a preset (default `demo`) at 1, 2, 4, ... threads and all cores, end to end
 * through `train()` (the same step code, data generation included; evaluation excluded from
 * images/s), at all cores also with the other place to make batches, beside the PyTorch CPU twin
 * (apps/trainer/bench/torch_centernet.py, interpreter from BURNIN_PYTHON, default python3)
 * at the same thread counts, and the machine's own ceiling (independent 1-thread runs side by
 * side, at the full batch and at one shard's), all interleaved over 2 rounds (best round
 * reported); peak RSS; the kernel split of one single-thread step. Each run is its own Node
 * process with the V8 options `burnin train` would use for its thread count (gc-mode.ts).
 * Usage: node dist/bench.js [preset] [steps]
 *   (internal: --solo preset steps batch threads [main|thread]: one run, one JSON line)
 */
async function main(): Promise<void> {
  const solo = process.argv[2] === '--solo';
  const args = solo ? process.argv.slice(3) : process.argv.slice(2);
  const preset = args[0] ?? 'demo';
  const steps = Number(args[1] ?? 40);
  if (!PRESETS[preset]) throw new Error(`unknown preset ${preset}`);
  const cfg = benchConfig(preset, steps, solo && args[2] ? Number(args[2]) : undefined);
  const B = cfg.train.batchSize;
  if (solo) {
    const T = Number(args[3] ?? 1);
    const on = args[4] === 'main' || args[4] === 'thread' ? args[4] : undefined;
    await initBenchBackend();
    console.log(`${SOLO_PREFIX}${JSON.stringify(await soloRun(cfg, T, on))}`);
    return;
  }
  const choice = await initBenchBackend();
  const cores = availableParallelism();
  // 1, 2, 4, ... and all cores (at most one image per thread)
  const most = Math.min(cores, B);
  const counts: number[] = [];
  for (let t = 1; t < most; t *= 2) counts.push(t);
  counts.push(most);
  console.log(
    `preset ${preset}: input ${cfg.data.imageSize}px, batch ${B}, widths ${cfg.model.widths.join('/')}, head ${cfg.model.headWidth}; ${choice.reason}; ${cores} cores; ${steps} steps x 2 rounds, interleaved`,
  );

  // ours at each count (the next batch made where train() makes it by default: each thread
  // its own shard); at all cores also with the whole batch made by the main thread (no core
  // left) or a loader thread (a core left); torch after ours in every round
  const other = cores > most ? 'thread' : 'main';
  const variants = [
    ...counts.map((T) => ({ T, on: undefined as 'thread' | 'main' | undefined, label: String(T) })),
    ...(most > 1
      ? [
          {
            T: most,
            on: other,
            label: `${most}, batches on ${other === 'main' ? 'main' : 'loader'}`,
          } as const,
        ]
      : []),
  ];
  const best = new Map<
    string,
    { ms: number; lastHalf: number; median: number; p90: number; cpuMs: number }
  >();
  // the machine's own ceiling: `most` independent 1-thread runs side by side (own processes),
  // at the full batch and at the largest shard's batch (that one also alone)
  const shardBatch = Math.ceil(B / most);
  const none = { whole: Infinity, lastHalf: Infinity, median: Infinity, p90: Infinity };
  const minSpeed = (a: RunSpeed, b: RunSpeed): RunSpeed => ({
    whole: Math.min(a.whole, b.whole),
    lastHalf: Math.min(a.lastHalf, b.lastHalf),
    median: Math.min(a.median, b.median),
    p90: Math.min(a.p90, b.p90),
  });
  let sideBySide: RunSpeed = none;
  let shardSideBySide: RunSpeed = none;
  let shardAlone: RunSpeed = none;
  const torch = new Map<number, number>();
  let torchNote = '';
  let split = '';
  let peakRss = 0;
  // the V8 options `burnin train` would run each thread count with (gc-mode.ts)
  const setting = gcSetting();
  const v8 = (T: number) => gcV8Options(T, cores, setting);
  for (let round = 0; round < 2; round++) {
    for (const v of variants) {
      const speed = await childRun({ preset, steps, batch: B, threads: v.T, on: v.on }, v8(v.T));
      peakRss = Math.max(peakRss, speed.maxRssMiB);
      const ms = speed.whole;
      // CPU of all threads over the whole run (startup and the final small eval included)
      const cpuMs = speed.cpuMs;
      const prev = best.get(v.label);
      const lastHalf = Math.min(speed.lastHalf, prev?.lastHalf ?? Infinity);
      const median = Math.min(speed.median, prev?.median ?? Infinity);
      const p90 = Math.min(speed.p90, prev?.p90 ?? Infinity);
      if (prev) Object.assign(prev, { lastHalf, median, p90 });
      if (!prev || ms < prev.ms) {
        best.set(v.label, { ms, lastHalf, median, p90, cpuMs });
        const t = speed.timing;
        if (v.T > 1 && v.T === most && !v.on && t) {
          const f = (x: number) => (x / steps).toFixed(1);
          split = `main thread per step at ${v.T} threads: own shard ${f(t.shard)} ms, next batch ${f(t.extra)} ms, waiting for workers ${f(t.wait)} ms, copies + gradient sum ${f(t.io)} ms; worker compute ${f(t.worker / (v.T - 1))} ms/step each`;
        }
      }
    }
    if (most > 1) {
      // side by side every core is busy, as in a `most`-thread run: the same V8 options
      sideBySide = minSpeed(sideBySide, await sideBySideRuns(preset, steps, most, B, v8(most)));
      shardSideBySide = minSpeed(
        shardSideBySide,
        await sideBySideRuns(preset, steps, most, shardBatch, v8(most)),
      );
      shardAlone = minSpeed(shardAlone, await sideBySideRuns(preset, steps, 1, shardBatch, v8(1)));
    }
    const tt = torchTwin(cfg, counts, Math.min(steps, 30));
    torchNote = tt.note ?? '';
    for (const [T, ms] of tt) torch.set(T, Math.min(ms, torch.get(T) ?? Infinity));
  }

  const head = [
    'threads',
    'ours img/s',
    'ours ms/step',
    'last half',
    'median step',
    'p90 step',
    'CPU ms/step',
    'torch ms/step',
    'ours/torch',
  ];
  const rows = variants.map((v) => {
    const o = best.get(v.label) as {
      ms: number;
      lastHalf: number;
      median: number;
      p90: number;
      cpuMs: number;
    };
    const t = torch.get(v.T);
    return [
      v.label,
      ((B * 1000) / o.ms).toFixed(1),
      o.ms.toFixed(1),
      o.lastHalf.toFixed(1),
      o.median.toFixed(2),
      o.p90.toFixed(1),
      o.cpuMs.toFixed(0),
      t === undefined ? '-' : t.toFixed(1),
      t === undefined ? '-' : `${(o.ms / t).toFixed(2)}x`,
    ];
  });
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  for (const r of all) console.log(r.map((c, i) => c.padEnd(w[i])).join('  '));
  const one = best.get('1') as { ms: number; lastHalf: number; median: number };
  for (const v of variants.slice(1)) {
    const o = best.get(v.label) as { ms: number; lastHalf: number; median: number };
    console.log(
      `speed-up ${v.label} threads vs 1: ${(one.ms / o.ms).toFixed(2)}x over all ${steps} steps, ${(one.lastHalf / o.lastHalf).toFixed(2)}x over the last half, ${(one.median / o.median).toFixed(2)}x per median step (last half)`,
    );
  }
  for (const T of counts.slice(1)) {
    const t1 = torch.get(1);
    const tT = torch.get(T);
    if (t1 !== undefined && tT !== undefined)
      console.log(`torch speed-up ${T} threads vs 1: ${(t1 / tT).toFixed(2)}x`);
  }
  if (Number.isFinite(sideBySide.whole)) {
    const f = (x: RunSpeed) =>
      `${x.whole.toFixed(1)} (last half ${x.lastHalf.toFixed(1)}, median step ${x.median.toFixed(2)}, p90 ${x.p90.toFixed(1)})`;
    console.log(
      `${most} independent 1-thread runs side by side (own processes): ${f(sideBySide)} ms per step each, together ${((most * one.ms) / sideBySide.whole).toFixed(2)}x (last half ${((most * one.lastHalf) / sideBySide.lastHalf).toFixed(2)}x) the images/s of one run alone`,
    );
    console.log(
      `the same at batch ${shardBatch} (one shard): ${f(shardSideBySide)} ms per step each side by side, ${f(shardAlone)} ms alone; each core of a ${most}-thread step does at least that work, so ${most} threads can reach about ${(one.ms / shardSideBySide.whole).toFixed(2)}x one thread over all ${steps} steps, ${(one.lastHalf / shardSideBySide.lastHalf).toFixed(2)}x over the last half and ${(one.median / shardSideBySide.median).toFixed(2)}x per median step, at most, on this machine (a step at p90 against the median: side by side ${(shardSideBySide.p90 / shardSideBySide.median).toFixed(2)}x, alone ${(shardAlone.p90 / shardAlone.median).toFixed(2)}x: the slow steps of busy cores are the machine's)`,
    );
  }
  if (split) console.log(split);
  const gcAt = counts.filter((T) => v8(T).length > 0);
  console.log(
    `V8 GC (${GC_ENV}=${setting}, as burnin train): ${gcAt.length ? `on the training threads (${SINGLE_THREADED_GC_FLAG}) at ${gcAt.join(', ')} thread(s)${most > 1 && v8(most).length ? ' and in the side-by-side runs' : ''}, ` : ''}concurrent (helper threads) elsewhere`,
  );
  if (torch.size === 0) console.log(torchNote);
  console.log(`peak RSS ${peakRss.toFixed(0)} MiB (the largest run's process)`);
  console.log(await kernelSplit(cfg));
}

/** The bench's config of a preset: a 4-image validation set, 4 log windows, one eval/save at the end. */
function benchConfig(preset: string, steps: number, batchSize?: number): TrainConfig {
  const base = resolveConfig({ preset });
  // four metrics windows: the last two give the steady-state speed (JIT warm-up done)
  const logEvery = Math.max(1, Math.floor(steps / 4));
  const train = { ...base.train, steps, evalEvery: steps, checkpointEvery: steps, logEvery };
  return validateConfig({
    ...base,
    data: { ...base.data, valSize: 4 },
    train: batchSize === undefined ? train : { ...train, batchSize },
  });
}

/**
 * ms/step of a run: over all its steps, over its second half (warm-up done), and the median
 * and 90th percentile of the second half's single steps (between onStep calls; robust to the
 * machine's occasional slow steps, which the means include).
 */
interface RunSpeed {
  whole: number;
  lastHalf: number;
  median: number;
  p90: number;
}

/** {@link RunSpeed} of a finished run in `out` (summary, and metrics.jsonl's windows). */
function runSpeed(out: string, r: TrainResult, cfg: TrainConfig, stamps: number[]): RunSpeed {
  const B = cfg.train.batchSize;
  const half = cfg.train.steps / 2;
  let ms = 0;
  let n = 0;
  let prev = 0;
  for (const m of readMetrics(join(out, 'metrics.jsonl'))) {
    if (m.type !== 'train') continue;
    const step = m.step as number;
    const k = step - prev;
    prev = step;
    if (step <= half) continue;
    ms += (k * B * 1000) / (m.imagesPerSec as number);
    n += k;
  }
  const whole = (B * 1000) / r.summary.imagesPerSec;
  // single steps of the second half (the last one ends with the final evaluation: left out)
  const last = stamps.slice(Math.floor(stamps.length / 2), -1);
  const steps = last
    .slice(1)
    .map((t, i) => t - last[i])
    .sort((a, b) => a - b);
  const at = (q: number) => (steps.length ? steps[Math.floor(q * (steps.length - 1))] : whole);
  return { whole, lastHalf: n > 0 ? ms / n : whole, median: at(0.5), p90: at(0.9) };
}

/** What a `--solo` child prints: one line, this prefix, then its {@link SoloResult} as JSON. */
const SOLO_PREFIX = 'solo ';

/** One run's speed, CPU ms per step (all threads), peak RSS and main-thread time split. */
interface SoloResult extends RunSpeed {
  cpuMs: number;
  maxRssMiB: number;
  timing: TrainResult['timing'] | null;
}

/** The backend of the bench and its `--solo` children: as `burnin train` selects it, one thread per engine. */
async function initBenchBackend(): Promise<BackendChoice> {
  const choice = await initBackend('auto', {
    log: () => {},
    loadTensorflow: () => import('@tensorflow/tfjs-node' as string),
    threads: 1,
  });
  registerTrainingKernels();
  return choice;
}

/** One `train()` run at `threads` threads in this process (a `--solo` child's work). */
async function soloRun(
  cfg: TrainConfig,
  threads: number,
  on?: 'main' | 'thread',
): Promise<SoloResult> {
  const out = mkdtempSync(join(tmpdir(), 'burnin-bench-'));
  try {
    const stamps: number[] = [];
    const c0 = process.cpuUsage();
    const r = await train({
      config: cfg,
      outDir: out,
      log: () => {},
      threads,
      onStep: () => stamps.push(performance.now()),
      ...(on ? { prefetchOn: on } : {}),
    });
    const c = process.cpuUsage(c0);
    return {
      ...runSpeed(out, r, cfg, stamps),
      cpuMs: (c.user + c.system) / 1000 / cfg.train.steps,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      timing: r.timing ?? null,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A run of {@link childRun}. */
interface ChildRunSpec {
  preset: string;
  steps: number;
  batch: number;
  threads: number;
  on?: 'main' | 'thread';
}

/** One run in its own Node process (`bench.js --solo ...`) started with `v8Options`. */
function childRun(spec: ChildRunSpec, v8Options: readonly string[]): Promise<SoloResult> {
  const script = fileURLToPath(import.meta.url);
  const args = [spec.preset, spec.steps, spec.batch, spec.threads, spec.on ?? '-'].map(String);
  const p = spawn(process.execPath, [...v8Options, script, '--solo', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<SoloResult>((resolve, reject) => {
    let text = '';
    p.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      const line = text.split('\n').find((l) => l.startsWith(SOLO_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(SOLO_PREFIX.length)) as SoloResult);
      else reject(new Error(`bench --solo exited with ${code}: ${text.trim()}`));
    });
  });
}

/**
 * `n` 1-thread runs of the preset at batch `batch` at once, each its own process started
 * with `v8Options`: the slowest one's ms/step (whole run, last half, median and p90 steps,
 * each the slowest of the `n`). Nothing is shared between them, so `n` x the images of one
 * step in that time is what the machine gives `n` busy cores of this work: the ceiling of
 * any data-parallel split.
 */
async function sideBySideRuns(
  preset: string,
  steps: number,
  n: number,
  batch: number,
  v8Options: readonly string[],
): Promise<RunSpeed> {
  const all = await Promise.all(
    Array.from({ length: n }, () => childRun({ preset, steps, batch, threads: 1 }, v8Options)),
  );
  return {
    whole: Math.max(...all.map((x) => x.whole)),
    lastHalf: Math.max(...all.map((x) => x.lastHalf)),
    median: Math.max(...all.map((x) => x.median)),
    p90: Math.max(...all.map((x) => x.p90)),
  };
}

/** The PyTorch twin's ms/step at each thread count (empty map + note when unavailable). */
function torchTwin(
  cfg: TrainConfig,
  counts: number[],
  steps: number,
): Map<number, number> & { note?: string } {
  const out: Map<number, number> & { note?: string } = new Map();
  const script = fileURLToPath(new URL('../bench/torch_centernet.py', import.meta.url));
  const python = process.env.BURNIN_PYTHON ?? 'python3';
  if (!existsSync(script)) {
    out.note = 'torch: twin not found';
    return out;
  }
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    out.note = `torch: not available (${python} -c "import torch" failed; set BURNIN_PYTHON)`;
    return out;
  }
  for (const T of counts) {
    const r = spawnSync(
      python,
      [
        script,
        '--threads',
        String(T),
        '--steps',
        String(steps),
        '--image-size',
        String(cfg.data.imageSize),
        '--batch',
        String(cfg.train.batchSize),
        '--widths',
        cfg.model.widths.join(','),
        '--head',
        String(cfg.model.headWidth),
        '--classes',
        '3',
      ],
      { encoding: 'utf8' },
    );
    const m = /torch ms\/step ([\d.]+)/.exec(r.stdout ?? '');
    if (m) out.set(T, Number(m[1]));
    else out.note = `torch: the twin failed (${(r.stderr ?? '').trim().split('\n').at(-1)})`;
  }
  return out;
}

/** Share of kernel time of one single-thread training step (tf.profile). */
async function kernelSplit(cfg: TrainConfig): Promise<string> {
  const ds = datasetsFromConfig(cfg);
  const C = ds.train.classNames.length;
  const model = modelFromConfig(cfg, C);
  const opt = withSchedule(tf.train.adam(1e-3), defaultSchedule(100));
  const stepper = await createGradientStepper({
    cfg,
    model,
    optimizer: opt,
    numClasses: C,
    threads: 1,
  });
  const B = cfg.train.batchSize;
  const step = async (s: number) => {
    const batch = prepareBatch(batchAt(ds.train, 0, s * B, B, true), cfg.data.imageSize, C, 1);
    const r = await stepper.compute(batch);
    opt.applyGradients(r.grads);
    tf.dispose(Object.values(r.grads));
  };
  await step(0); // warm-up
  const info = await tf.profile(() => step(1));
  const byName = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  const backend = tf.getBackend();
  for (const k of info.kernels) {
    // a tf.customGrad op (e.g. the losses' `giouLoss`) is profiled under its name around the
    // kernels it runs: count those, not the wrapper
    if (tf.getKernel(k.name, backend) == null) continue;
    const ms = Number(k.kernelTimeMs) || 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    byName.set(k.name, e);
    total += ms;
  }
  model.dispose();
  opt.dispose();
  const sorted = [...byName].sort((a, b) => b[1].ms - a[1].ms);
  const top = sorted.slice(0, 8);
  const rest = sorted.slice(8);
  const restMs = rest.reduce((a, [, e]) => a + e.ms, 0);
  const restCalls = rest.reduce((a, [, e]) => a + e.calls, 0);
  const share = (ms: number) => `${((100 * ms) / (total || 1)).toFixed(1)}%`;
  const part = [
    ...top.map(([name, e]) => `${name} ${share(e.ms)} (${e.calls})`),
    `other ${rest.length} kernels ${share(restMs)} (${restCalls})`,
  ].join(', ');
  const calls = sorted.reduce((a, [, e]) => a + e.calls, 0);
  return `kernel split of one 1-thread step (${total.toFixed(1)} ms in ${calls} kernels): ${part}`;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
