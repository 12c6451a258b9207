import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  disposeOptimizerWeights,
  type ScheduledOptimizer,
  withSchedule,
} from '@burnin/tfjs-adapter';
import { buildSchedule, ConfigError, resolveThreads, type TrainConfig } from '../config.js';
import { createRng, hashSeed, permutation } from '../data/rng.js';
import { createSyntheticDataset } from '../data/synthetic.js';
import type { DetectionDataset, Sample } from '../data/types.js';
import { createDetector, type Detector, parameterCount } from '../model/centernet.js';
import { LOSS_TERMS } from '../model/loss.js';
import * as tf from '../tf.js';
import { type Checkpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { evaluateDetector } from './evaluate.js';
import {
  createGradientStepper,
  type GradientStepper,
  type PreparedBatch,
  prepareBatch,
} from './parallel.js';
import { createProgress } from './progress.js';
import { detectorConfig, shardRanges } from './shard.js';

/** Error for an unusable dataset (e.g. empty). */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/** Metadata stored in every checkpoint. */
export interface CheckpointMeta {
  format: 'burnin-centernet';
  /** Optimizer updates done (= schedule step of the next update). */
  step: number;
  /** Data position: samples consumed so far (epoch = floor(position / train size)). */
  dataPosition: number;
  epoch: number;
  /** Seed from which data order and augmentation RNG streams derive (per position). */
  rngSeed: number;
  /** State of the augmentation RNG of the next sample (derived from seed and position). */
  rngState: number;
  config: TrainConfig;
  classNames: string[];
  /** Best validation AP so far and its step. */
  best: { ap: number; step: number } | null;
  modelVariables: string[];
  /** Data-parallel threads the run used (results are deterministic per thread count). */
  threads?: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  config: TrainConfig;
  outDir: string;
  resume?: boolean;
  /** Datasets to use instead of the ones the config describes. */
  datasets?: { train: DetectionDataset; val: DetectionDataset };
  /** Log sink (default console.log). */
  log?: (line: string) => void;
  /** Draw a progress bar (TTY) instead of periodic lines. */
  progressBar?: boolean;
  /** Aborting saves a checkpoint and returns with status 'interrupted'. */
  signal?: AbortSignal;
  /** Called after every completed step. */
  onStep?: (step: number) => void;
  /** Fault injection for tests: the loss term that becomes NaN at this step. */
  injectNaN?: { step: number; term: (typeof LOSS_TERMS)[number] };
  /** Backend name recorded in summary.json (the caller selects the backend). */
  backendName?: string;
  /**
   * Data-parallel threads (overrides `config.train.threads`; 'auto' = all cores). Capped at
   * the batch size.
   */
  threads?: number | 'auto';
  /**
   * Generate the next batch on the main thread while workers finish the current step
   * (threads > 1). Default true.
   */
  prefetch?: boolean;
  /** Fault injection for tests: worker `worker` fails at step `step`. */
  injectWorkerFailure?: { step: number; worker: number };
}

/** Outcome of {@link train}. */
export interface TrainResult {
  status: 'completed' | 'interrupted' | 'diverged';
  step: number;
  summary: TrainSummary;
  /** Main-thread time split of the data-parallel steps (see GradientStepper.timing). */
  timing?: GradientStepper['timing'];
}

/** Contents of summary.json. */
export interface TrainSummary {
  status: TrainResult['status'];
  steps: number;
  backend: string;
  /** Data-parallel threads (main thread + workers); results are deterministic per count. */
  threads: number;
  wallTimeSec: number;
  /**
   * CPU time (user + system) of this process during the run, seconds. On a shared machine
   * this estimates the wall time the run would take alone (the wasm/cpu backends use one
   * thread).
   */
  cpuTimeSec: number;
  imagesPerSec: number;
  parameters: number;
  final: { step: number; stats: number[] } | null;
  best: { step: number; stats: number[] } | null;
  message?: string;
}

/**
 * Loads the train/val datasets a config describes: the built-in synthetic shapes, or
 * COCO-format folders (`data.train` / `data.val`), letterboxed to `data.imageSize`.
 */
export async function loadDatasets(
  cfg: TrainConfig,
): Promise<{ train: DetectionDataset; val: DetectionDataset }> {
  if (cfg.data.kind === 'synthetic') return datasetsFromConfig(cfg);
  if (!cfg.data.train)
    throw new ConfigError("data.train is required when data.kind is 'coco'", 'data.train');
  if (!cfg.data.val)
    throw new ConfigError("data.val is required when data.kind is 'coco'", 'data.val');
  const { loadCocoDataset } = await import('../io/coco-dataset.js');
  const train = await loadCocoDataset({
    ...cfg.data.train,
    imageSize: cfg.data.imageSize,
    ...(cfg.data.augment ? { augment: {} } : {}),
  });
  const val = await loadCocoDataset({
    ...cfg.data.val,
    imageSize: cfg.data.imageSize,
    classNames: [...train.classNames],
    cacheDecoded: true,
  });
  return { train, val };
}

/** The built-in synthetic train/val datasets of a config. */
export function datasetsFromConfig(cfg: TrainConfig): {
  train: DetectionDataset;
  val: DetectionDataset;
} {
  if (cfg.data.kind !== 'synthetic')
    throw new ConfigError("data.kind 'coco' datasets are loaded with loadDatasets()", 'data.kind');
  const common = { imageSize: cfg.data.imageSize, seed: cfg.seed, maxObjects: cfg.data.maxObjects };
  return {
    train: createSyntheticDataset({ split: 'train', size: cfg.data.trainSize, ...common }),
    val: createSyntheticDataset({ split: 'val', size: cfg.data.valSize, ...common }),
  };
}

/** Creates the model for a config. */
export function modelFromConfig(cfg: TrainConfig, numClasses: number): Detector {
  return createDetector(detectorConfig(cfg, numClasses), cfg.seed);
}

/** Samples (and their augmentation RNG) at data positions [pos, pos + n). */
export function batchAt(
  ds: DetectionDataset,
  seed: number,
  pos: number,
  n: number,
  augment: boolean,
): Sample[] {
  const out: Sample[] = [];
  let perm: Int32Array | null = null;
  let permEpoch = -1;
  for (let p = pos; p < pos + n; p++) {
    const epoch = Math.floor(p / ds.size);
    if (epoch !== permEpoch) {
      perm = permutation(ds.size, hashSeed(seed, 0xe90c, epoch));
      permEpoch = epoch;
    }
    const idx = (perm as Int32Array)[p % ds.size];
    out.push(ds.get(idx, augment ? { rng: createRng(hashSeed(seed, 0xa06, p)) } : undefined));
  }
  return out;
}

function makeOptimizer(cfg: TrainConfig, schedule: (s: number) => number): ScheduledOptimizer {
  const lr0 = schedule(0);
  const inner =
    cfg.train.optimizer === 'adam'
      ? tf.train.adam(lr0)
      : cfg.train.optimizer === 'momentum'
        ? tf.train.momentum(lr0, cfg.train.momentum)
        : tf.train.sgd(lr0);
  return withSchedule(inner, schedule, cfg.train.clipNorm ? { clipNorm: cfg.train.clipNorm } : {});
}

/** Loads a checkpoint into a model (and optimizer). Returns its metadata. */
export async function restoreCheckpoint(
  file: string,
  model: Detector,
  optimizer?: ScheduledOptimizer,
): Promise<CheckpointMeta> {
  const ck = readCheckpoint<CheckpointMeta>(file);
  const byName = new Map(ck.tensors.map((t) => [t.name, t]));
  for (const v of model.variables) {
    const t = byName.get(`model/${v.name}`);
    if (!t || t.shape.join() !== v.shape.join())
      throw new ConfigError(`checkpoint ${file} does not match the model (variable ${v.name})`);
    const value = tf.tensor(t.data, t.shape);
    v.assign(value);
    value.dispose();
  }
  if (optimizer) {
    const opt = ck.tensors.filter((t) => t.name.startsWith('opt/'));
    const named = opt.map((t) => ({
      name: t.name.slice(4),
      tensor: tf.tensor(t.data, t.shape, t.dtype),
    }));
    await optimizer.setWeights(named);
    tf.dispose(named.map((n) => n.tensor));
  }
  return ck.meta;
}

async function saveCheckpoint(
  file: string,
  model: Detector,
  optimizer: ScheduledOptimizer,
  meta: CheckpointMeta,
): Promise<void> {
  const tensors: Checkpoint['tensors'] = model.variables.map((v) => ({
    name: `model/${v.name}`,
    shape: v.shape,
    dtype: 'float32',
    data: v.dataSync() as Float32Array,
  }));
  const ow = await optimizer.getWeights();
  for (const w of ow) {
    tensors.push({
      name: `opt/${w.name}`,
      shape: w.tensor.shape,
      dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
      data: (await w.tensor.data()) as Float32Array | Int32Array,
    });
  }
  disposeOptimizerWeights(ow); // the counters are new scalars (the slots are live variables)
  writeCheckpoint(file, { meta, tensors });
}

/** A config without `train.threads` (runs may resume with another thread count). */
function withoutThreads(cfg: unknown): unknown {
  const c = cfg as { train?: Record<string, unknown> };
  if (!c?.train) return cfg;
  const { threads: _, ...train } = c.train;
  return { ...c, train };
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file); // atomic on POSIX
}

/** Reads metrics.jsonl lines. */
export function readMetrics(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Trains the detector described by `config`, writing into `outDir`: config.resolved.json,
 * metrics.jsonl, checkpoints/{latest,best}.ckpt, summary.json (and diagnostic.json when
 * the loss stops being finite). The current tfjs backend is used as it is.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config: cfg, outDir } = options;
  const log = options.log ?? ((l: string) => console.log(l));
  const ds = options.datasets ?? (await loadDatasets(cfg));
  if (ds.train.size === 0) throw new DatasetError(`training dataset ${ds.train.name} is empty`);
  if (ds.val.size === 0) throw new DatasetError(`validation dataset ${ds.val.name} is empty`);
  if (ds.train.imageSize !== cfg.data.imageSize)
    throw new DatasetError(
      `dataset image size ${ds.train.imageSize} differs from data.imageSize ${cfg.data.imageSize}`,
    );
  const ckptDir = join(outDir, 'checkpoints');
  const latestFile = join(ckptDir, 'latest.ckpt');
  const bestFile = join(ckptDir, 'best.ckpt');
  const metricsFile = join(outDir, 'metrics.jsonl');
  const resolvedFile = join(outDir, 'config.resolved.json');
  mkdirSync(ckptDir, { recursive: true });

  const schedule = buildSchedule(cfg);
  const classNames = [...ds.train.classNames];
  const model = modelFromConfig(cfg, classNames.length);
  const optimizer = makeOptimizer(cfg, schedule);
  const B = cfg.train.batchSize;
  const T = Math.min(resolveThreads(options.threads ?? cfg.train.threads), B);
  let step = 0;
  let best: CheckpointMeta['best'] = null;
  let bestStats: number[] | null = null;
  let lastEval: { step: number; stats: number[] } | null = null;
  let stepper: GradientStepper | null = null;
  try {
    if (options.resume) {
      if (!existsSync(latestFile))
        throw new ConfigError(`--resume: no checkpoint at ${latestFile}`, 'resume');
      const prev = JSON.parse(readFileSync(resolvedFile, 'utf8'));
      if (JSON.stringify(withoutThreads(prev)) !== JSON.stringify(withoutThreads(cfg)))
        throw new ConfigError(
          `--resume: the configuration differs from ${resolvedFile}; use the same config/preset`,
          'resume',
        );
      const meta = await restoreCheckpoint(latestFile, model, optimizer);
      step = meta.step;
      best = meta.best;
      const prevThreads = meta.threads ?? 1;
      if (prevThreads !== T)
        log(
          `resume: the checkpoint was trained with ${prevThreads} thread(s), this run uses ${T}: the result will differ (slightly) from an uninterrupted run at ${prevThreads}`,
        );
      // drop log lines written after the checkpoint by the interrupted run
      const kept = readMetrics(metricsFile).filter((m) => (m.step as number) <= step);
      writeFileSync(metricsFile, kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
      for (const m of kept) {
        if (m.type !== 'eval') continue;
        lastEval = { step: m.step as number, stats: m.stats as number[] };
        if (best && m.step === best.step) bestStats = m.stats as number[];
      }
      log(`resumed from ${latestFile} at step ${step}`);
    } else {
      writeJsonAtomic(resolvedFile, cfg);
      writeFileSync(metricsFile, '');
    }

    const metaAt = (s: number): CheckpointMeta => ({
      format: 'burnin-centernet',
      step: s,
      dataPosition: s * B,
      epoch: Math.floor((s * B) / ds.train.size),
      rngSeed: cfg.seed,
      rngState: createRng(hashSeed(cfg.seed, 0xa06, s * B)).state(),
      config: cfg,
      classNames,
      best,
      modelVariables: model.variables.map((v) => v.name),
      threads: T,
    });
    const appendMetric = (m: Record<string, unknown>) =>
      appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);

    const total = cfg.train.steps;
    const startStep = step;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let imagesDone = 0;
    let trainMs = 0;
    const progress = createProgress(total, options.progressBar ?? false, log);
    const summary = (status: TrainResult['status'], message?: string): TrainSummary => {
      const wall = (performance.now() - t0) / 1000;
      return {
        status,
        steps: step,
        backend: options.backendName ?? tf.getBackend(),
        threads: T,
        wallTimeSec: wall,
        cpuTimeSec: (() => {
          const c = process.cpuUsage(cpu0);
          return (c.user + c.system) / 1e6;
        })(),
        imagesPerSec: trainMs > 0 ? imagesDone / (trainMs / 1000) : 0,
        parameters: parameterCount(model),
        final: lastEval,
        best: best && bestStats ? { step: best.step, stats: bestStats } : null,
        ...(message ? { message } : {}),
      };
    };
    const finish = (status: TrainResult['status'], message?: string): TrainResult => {
      progress.done();
      const s = summary(status, message);
      writeJsonAtomic(join(outDir, 'summary.json'), s);
      const timing = (stepper as GradientStepper | null)?.timing;
      return { status, step, summary: s, ...(timing ? { timing } : {}) };
    };

    const runEval = async () => {
      const r = evaluateDetector(model, ds.val, { batchSize: Math.max(B, 8) });
      lastEval = { step, stats: r.stats };
      appendMetric({
        type: 'eval',
        step,
        epoch: Math.floor((step * B) / ds.train.size),
        stats: r.stats,
      });
      progress.note(`eval step ${step}: AP ${r.stats[0].toFixed(3)} AP50 ${r.stats[1].toFixed(3)}`);
      if (!best || r.stats[0] > best.ap) {
        best = { ap: r.stats[0], step };
        bestStats = r.stats;
        await saveCheckpoint(bestFile, model, optimizer, metaAt(step));
      }
    };

    const prepare = (at: number) =>
      prepareBatch(
        batchAt(ds.train, cfg.seed, at * B, B, cfg.data.augment),
        cfg.data.imageSize,
        classNames.length,
        T,
      );
    const prefetch = T > 1 && options.prefetch !== false;
    // the next step's batch, generated while workers finish the current step
    const pre: { step: number; batch: PreparedBatch | null } = { step: -1, batch: null };
    const steps = await createGradientStepper({
      cfg,
      model,
      optimizer,
      numClasses: classNames.length,
      threads: T,
    });
    stepper = steps;
    const split = shardRanges(B, T).map(([a, b]) => b - a);
    const parallel =
      T > 1
        ? ` (data-parallel: main thread + ${T - 1} worker(s), batch ${B} = ${split.join('+')})`
        : '';
    log(
      `train: ${options.backendName ?? tf.getBackend()}, ${T} thread${T === 1 ? '' : 's'}${parallel}, ${parameterCount(model)} parameters`,
    );

    let window = { loss: 0, terms: [0, 0], n: 0, ms: 0, images: 0 };
    while (step < total) {
      // let signal handlers (Ctrl-C) and other macrotasks run between steps
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) {
        await saveCheckpoint(latestFile, model, optimizer, metaAt(step));
        return finish('interrupted', `interrupted at step ${step}; continue with --resume`);
      }
      const ts = performance.now();
      const batch = pre.step === step && pre.batch ? pre.batch : prepare(step);
      pre.batch = null;
      const samples = batch.samples;
      if (options.injectWorkerFailure?.step === step)
        steps.injectWorkerFailure(options.injectWorkerFailure.worker);
      const next = step + 1;
      const {
        grads,
        loss,
        terms: termValues,
      } = await steps.compute(
        batch,
        prefetch && next < total
          ? () => {
              pre.step = next;
              pre.batch = prepare(next);
            }
          : undefined,
      );
      if (options.injectNaN && options.injectNaN.step === step)
        termValues[LOSS_TERMS.indexOf(options.injectNaN.term)] = Number.NaN;
      const bad = termValues.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0 || !Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        const term = bad >= 0 ? LOSS_TERMS[bad] : 'total';
        const message = `loss term '${term}' is ${termValues[bad] ?? loss} at step ${step}; training stopped. The last good checkpoint is ${latestFile}.`;
        const diag = {
          step,
          term,
          terms: Object.fromEntries(LOSS_TERMS.map((n, i) => [n, String(termValues[i])])),
          learningRate: schedule(step),
          lastGradientNorm: optimizer.lastGradientNorm,
          batchImageIds: samples.map((s) => s.imageId),
          checkpoint: latestFile,
        };
        // the weights are still those before the bad update: keep them as the latest checkpoint
        await saveCheckpoint(latestFile, model, optimizer, metaAt(step));
        writeJsonAtomic(join(outDir, 'diagnostic.json'), diag);
        log(`error: ${message}`);
        return finish('diverged', message);
      }
      const lr = schedule(step);
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
      step++;
      const ms = performance.now() - ts;
      trainMs += ms;
      imagesDone += B;
      window = {
        loss: window.loss + loss,
        terms: window.terms.map((v, i) => v + termValues[i]),
        n: window.n + 1,
        ms: window.ms + ms,
        images: window.images + B,
      };
      const ips = window.images / (window.ms / 1000);
      progress.update(step, { loss, lr, ips });
      if (step % cfg.train.logEvery === 0 || step === total) {
        const entry: Record<string, unknown> = {
          type: 'train',
          step,
          epoch: Math.floor((step * B) / ds.train.size),
          lr,
          loss: window.loss / window.n,
          imagesPerSec: ips,
          gradNorm: optimizer.lastGradientNorm,
        };
        LOSS_TERMS.forEach((n, i) => {
          entry[n] = window.terms[i] / window.n;
        });
        appendMetric(entry);
        window = { loss: 0, terms: [0, 0], n: 0, ms: 0, images: 0 };
      }
      if (step % cfg.train.evalEvery === 0 || step === total) await runEval();
      if (step % cfg.train.checkpointEvery === 0 || step === total)
        await saveCheckpoint(latestFile, model, optimizer, metaAt(step));
      options.onStep?.(step);
    }
    if (startStep === total && !lastEval) await runEval();
    return finish('completed');
  } finally {
    await stepper?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}
