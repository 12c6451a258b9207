import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  disposeOptimizerWeights,
  type ScheduledOptimizer,
  withSchedule,
} from '@burnin/tfjs-adapter';
import { buildSchedule, ConfigError, resolveThreads, type TrainConfig } from '../config.js';
import { batchAt, datasetsFromConfig, loadDatasets } from '../data/batches.js';
import { createRng, hashSeed } from '../data/rng.js';
import type { DetectionDataset } from '../data/types.js';
import { TrainerError } from '../errors.js';
import { createDetector, type Detector, parameterCount } from '../model/centernet.js';
import { LOSS_TERMS } from '../model/loss.js';
import { fileError, RunExistsError } from '../run/errors.js';
import {
  appendText,
  makeDir,
  readRunJson,
  removeStaleTemps,
  writeFileAtomic,
  writeJsonAtomic,
} from '../run/fs.js';
import { acquireLock, LOCK_FILE } from '../run/lock.js';
import * as tf from '../tf.js';
import { type Checkpoint, CheckpointError, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { evaluateDetectorAsync } from './evaluate.js';
import { type BatchLoader, createBatchLoader } from './loader.js';
import {
  createGradientStepper,
  type GradientStepper,
  type PreparedBatch,
  prepareBatch,
} from './parallel.js';
import { createProgress } from './progress.js';
import { detectorConfig, shardRanges } from './shard.js';
import { trainStep } from './step.js';

/** Error for an unusable dataset (e.g. empty). */
export class DatasetError extends TrainerError {
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
  /** Time spent up to this checkpoint, over all resumed segments of the run. */
  time?: { wallSec: number; cpuSec: number; trainMs: number; images: number };
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
   * With threads > 1, make the next batch while the current step runs. Default true. Where
   * and when a batch is made changes nothing in the run's numbers.
   */
  prefetch?: boolean;
  /**
   * Where prefetched batches are made: `'thread'`, a data-loader thread of their own;
   * `'main'`, the main thread, after its own shard while the workers finish theirs. Default:
   * `'thread'` when a core is left for it (`os.availableParallelism() > threads`), else
   * `'main'` (measured on 2 cores at 2 threads: the loader thread preempts a compute thread,
   * 84 against 70 ms per demo step).
   */
  prefetchOn?: 'thread' | 'main';
  /** Fault injection for tests: worker `worker` fails at step `step`. */
  injectWorkerFailure?: { step: number; worker: number };
  /**
   * Fault injection for tests: at step `step` the gradients (before the update) or the
   * weights (after it) become NaN.
   */
  injectNonFinite?: { step: number; target: 'gradients' | 'weights' };
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
  /** Wall time of the whole run, seconds (resumed runs add the time before the checkpoint). */
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

export { batchAt, datasetsFromConfig, loadDatasets };

/** Creates the model for a config. */
export function modelFromConfig(cfg: TrainConfig, numClasses: number): Detector {
  return createDetector(detectorConfig(cfg, numClasses), cfg.seed);
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

/**
 * Loads a checkpoint into a model (and optimizer). Returns its metadata. Throws
 * CheckpointError naming the file when a tensor is missing, of the wrong shape or dtype.
 */
export async function restoreCheckpoint(
  file: string,
  model: Detector,
  optimizer?: ScheduledOptimizer,
): Promise<CheckpointMeta> {
  const ck = readCheckpoint<CheckpointMeta>(file);
  const byName = new Map(ck.tensors.map((t) => [t.name, t]));
  for (const v of model.variables) {
    const t = byName.get(`model/${v.name}`);
    if (t?.dtype !== 'float32' || t.shape.join() !== v.shape.join())
      throw new CheckpointError(
        `checkpoint ${file} does not match the model (variable ${v.name}${t ? `: shape [${t.shape}] ${t.dtype}, expected [${v.shape}] float32` : ' is missing'}); use the config it was trained with`,
      );
  }
  for (const v of model.variables) {
    const t = byName.get(`model/${v.name}`) as Checkpoint['tensors'][number];
    const value = tf.tensor(t.data, t.shape);
    v.assign(value);
    value.dispose();
  }
  if (optimizer) {
    const opt = ck.tensors.filter((t) => t.name.startsWith('opt/'));
    const shapes = new Map(model.variables.map((v) => [v.name, v.shape.join()]));
    for (const t of opt) {
      // slots are opt/<variable>/<slot> of the variable's shape; counters are scalars
      const owner = t.name.slice(4, t.name.lastIndexOf('/'));
      const want = shapes.get(owner) ?? '';
      if (t.shape.join() !== want)
        throw new CheckpointError(
          `checkpoint ${file} does not match the model (optimizer tensor ${t.name}: shape [${t.shape}], expected [${want}]); use the config it was trained with`,
        );
    }
    const stepT = opt.find((t) => t.name === 'opt/scheduled_optimizer/step');
    if (stepT && stepT.data[0] !== ck.meta.step)
      throw new CheckpointError(
        `checkpoint ${file}: the optimizer step ${stepT.data[0]} differs from field 'step' ${JSON.stringify(ck.meta.step)}; it cannot be used: resume from another checkpoint or start a fresh --out`,
      );
    const named = opt.map((t) => ({
      name: t.name.slice(4),
      tensor: tf.tensor(t.data, t.shape, t.dtype),
    }));
    try {
      await optimizer.setWeights(named);
    } catch (e) {
      throw new CheckpointError(
        `checkpoint ${file}: the optimizer state does not fit this run's optimizer (${(e as Error).message.split('\n')[0]}); use the config it was trained with`,
      );
    } finally {
      tf.dispose(named.map((n) => n.tensor));
    }
  }
  return ck.meta;
}

/** A config without `train.threads` (runs may resume with another thread count). */
function withoutThreads(cfg: unknown): unknown {
  const c = cfg as { train?: Record<string, unknown> };
  if (!c?.train) return cfg;
  const { threads: _, ...train } = c.train;
  return { ...c, train };
}

const sameConfig = (a: unknown, b: unknown) =>
  JSON.stringify(withoutThreads(a)) === JSON.stringify(withoutThreads(b));

/**
 * Checks every field of a checkpoint's metadata against the run that resumes it (config,
 * classes, variables, step within `train.steps`, data position and RNG state derived from
 * the step). Throws CheckpointError naming the file and the field.
 */
export function validateCheckpointMeta(
  file: string,
  meta: CheckpointMeta,
  expect: { config: TrainConfig; classNames: readonly string[]; modelVariables: string[] },
): void {
  const bad = (field: string, why: string): never => {
    throw new CheckpointError(
      `checkpoint ${file}: field '${field}' ${why}; it cannot be resumed: use the run's own config, or start a fresh --out`,
    );
  };
  const cfg = expect.config;
  if (meta.format !== 'burnin-centernet') bad('format', `is ${JSON.stringify(meta.format)}`);
  const step = meta.step;
  if (!Number.isInteger(step) || step < 0 || step > cfg.train.steps)
    bad('step', `is ${JSON.stringify(step)}, expected an integer 0..${cfg.train.steps}`);
  const B = cfg.train.batchSize;
  if (meta.dataPosition !== step * B)
    bad('dataPosition', `is ${JSON.stringify(meta.dataPosition)}, expected ${step * B}`);
  if (meta.rngSeed !== cfg.seed)
    bad('rngSeed', `is ${JSON.stringify(meta.rngSeed)}, expected ${cfg.seed}`);
  const rng = createRng(hashSeed(cfg.seed, 0xa06, step * B)).state();
  if (meta.rngState !== rng)
    bad('rngState', `is ${JSON.stringify(meta.rngState)}, expected ${rng}`);
  if (!sameConfig(meta.config, cfg)) bad('config', 'differs from this run’s configuration');
  if (JSON.stringify(meta.classNames) !== JSON.stringify(expect.classNames))
    bad(
      'classNames',
      `is ${JSON.stringify(meta.classNames)}, expected ${JSON.stringify(expect.classNames)}`,
    );
  if (JSON.stringify(meta.modelVariables) !== JSON.stringify(expect.modelVariables))
    bad('modelVariables', 'does not list this model’s variables');
  const best = meta.best;
  if (
    best !== null &&
    !(
      typeof best === 'object' &&
      Number.isFinite(best.ap) &&
      Number.isInteger(best.step) &&
      best.step >= 0 &&
      best.step <= step
    )
  )
    bad('best', `is ${JSON.stringify(best)}, expected null or {ap, step <= ${step}}`);
  if (meta.threads !== undefined && !(Number.isInteger(meta.threads) && meta.threads >= 1))
    bad('threads', `is ${JSON.stringify(meta.threads)}, expected an integer >= 1`);
  const t = meta.time;
  if (
    t !== undefined &&
    !(
      t !== null &&
      typeof t === 'object' &&
      [t.wallSec, t.cpuSec, t.trainMs, t.images].every((v) => Number.isFinite(v) && v >= 0)
    )
  )
    bad('time', `is ${JSON.stringify(t)}`);
}

/** Model and optimizer tensors of a checkpoint, read back from the live variables. */
async function checkpointTensors(
  model: Detector,
  optimizer: ScheduledOptimizer,
): Promise<Checkpoint['tensors']> {
  const tensors: Checkpoint['tensors'] = model.variables.map((v) => ({
    name: `model/${v.name}`,
    shape: v.shape,
    dtype: 'float32',
    data: v.dataSync() as Float32Array,
  }));
  const ow = await optimizer.getWeights();
  try {
    for (const w of ow) {
      tensors.push({
        name: `opt/${w.name}`,
        shape: w.tensor.shape,
        dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
        data: (await w.tensor.data()) as Float32Array | Int32Array,
      });
    }
  } finally {
    disposeOptimizerWeights(ow); // the counters are new scalars (the slots are live variables)
  }
  return tensors;
}

/** Names of the tensors that hold a NaN or infinite value. */
function nonFiniteTensors(tensors: Checkpoint['tensors']): string[] {
  const out: string[] = [];
  for (const t of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        out.push(t.name);
        break;
      }
    }
  }
  return out;
}

/**
 * Reads metrics.jsonl. Lines that are not valid JSON (a line torn by a crash or a full disk)
 * are skipped; `onDamaged` receives their count. A missing file gives [].
 */
export function readMetrics(
  file: string,
  onDamaged?: (lines: number) => void,
): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError('read', file, e);
  }
  const out: Record<string, unknown>[] = [];
  let damaged = 0;
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const line = text.slice(from, to);
    from = to + 1;
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as unknown;
      if (m !== null && typeof m === 'object' && Number.isFinite((m as { step?: unknown }).step))
        out.push(m as Record<string, unknown>);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  if (damaged) onDamaged?.(damaged);
  return out;
}

/**
 * Files that mark a folder as holding a run (an empty `checkpoints/` or a lone `run.lock`,
 * as a kill right after the start leaves them, do not).
 */
const RUN_FILES = [
  'config.resolved.json',
  'metrics.jsonl',
  'summary.json',
  join('checkpoints', 'latest.ckpt'),
  join('checkpoints', 'best.ckpt'),
];

/** Reads a run's config.resolved.json; errors name the file and what to do. */
function readResolvedConfig(file: string): unknown {
  return readRunJson(
    file,
    'restore it from the config the run was started with (the checkpoints keep a copy in their header) or start a fresh --out',
  );
}

/**
 * Trains the detector described by `config`, writing into `outDir`: config.resolved.json,
 * metrics.jsonl, checkpoints/{latest,best}.ckpt, summary.json (and diagnostic.json when
 * the loss, the gradients or the weights stop being finite). The current tfjs backend is
 * used as it is.
 *
 * Safety: everything is validated before the folder is touched; a folder that holds a run
 * is only continued with `resume` (same config); `outDir/run.lock` keeps a second trainer
 * out; every file is replaced atomically; a checkpoint is never written with a non-finite
 * value, so the last good one survives a divergence.
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

  const schedule = buildSchedule(cfg);
  const classNames = [...ds.train.classNames];
  const B = cfg.train.batchSize;
  const T = Math.min(resolveThreads(options.threads ?? cfg.train.threads), B);

  // refuse before anything is created or written
  const isDir = (p: string) => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  if (existsSync(outDir) && !isDir(outDir))
    throw fileError('use', outDir, Object.assign(new Error(), { code: 'ENOTDIR' }));
  const holdsRun = RUN_FILES.some((f) => existsSync(join(outDir, f)));
  if (!options.resume && holdsRun)
    throw new RunExistsError(
      `${outDir} already holds a run (${RUN_FILES.filter((f) => existsSync(join(outDir, f))).join(', ')}); continue it with --resume, or pass a fresh --out`,
    );
  if (options.resume) {
    if (!existsSync(resolvedFile))
      throw new ConfigError(
        `--resume: ${outDir} holds no run (${resolvedFile} is missing); start it without --resume`,
        'resume',
      );
    if (!sameConfig(readResolvedConfig(resolvedFile), cfg))
      throw new ConfigError(
        `--resume: the configuration differs from ${resolvedFile}; use the same config/preset`,
        'resume',
      );
  }

  const model = modelFromConfig(cfg, classNames.length);
  const optimizer = makeOptimizer(cfg, schedule);
  let step = 0;
  let best: CheckpointMeta['best'] = null;
  let bestStats: number[] | null = null;
  let lastEval: { step: number; stats: number[] } | null = null;
  let stepper: GradientStepper | null = null;
  let loader: BatchLoader | null = null;
  let lock: { release(): void } | null = null;
  try {
    makeDir(ckptDir);
    lock = acquireLock(outDir, log);
    for (const f of removeStaleTemps([outDir, ckptDir]))
      log(`removed the stale temp file ${f} of an interrupted write`);
    /** Step of the checkpoint now in latest.ckpt, null when there is none. */
    let savedStep: number | null = null;
    const time0 = { wallSec: 0, cpuSec: 0, trainMs: 0, images: 0 };
    let kept: Record<string, unknown>[] = [];
    if (options.resume) {
      if (existsSync(latestFile)) {
        const ck = readCheckpoint<CheckpointMeta>(latestFile);
        validateCheckpointMeta(latestFile, ck.meta, {
          config: cfg,
          classNames,
          modelVariables: model.variables.map((v) => v.name),
        });
        const meta = await restoreCheckpoint(latestFile, model, optimizer);
        step = meta.step;
        savedStep = step;
        best = meta.best;
        if (meta.time) Object.assign(time0, meta.time);
        const prevThreads = meta.threads ?? 1;
        if (prevThreads !== T)
          log(
            `resume: the checkpoint was trained with ${prevThreads} thread(s), this run uses ${T}: the result will differ (slightly) from an uninterrupted run at ${prevThreads}`,
          );
      } else {
        log(`resume: no checkpoint in ${ckptDir} yet: starting ${outDir} from step 0`);
      }
      // drop log lines written after the checkpoint by the interrupted run (and torn lines)
      kept = readMetrics(metricsFile, (n) =>
        log(`resume: skipped ${n} damaged line(s) of ${metricsFile}`),
      ).filter((m) => (m.step as number) <= step);
      writeFileAtomic(
        metricsFile,
        kept.map((m) => `${JSON.stringify(m)}\n`),
      );
      for (const m of kept) {
        if (m.type !== 'eval') continue;
        lastEval = { step: m.step as number, stats: m.stats as number[] };
        if (best && m.step === best.step) bestStats = m.stats as number[];
      }
      if (savedStep !== null) log(`resumed from ${latestFile} at step ${step}`);
    } else {
      writeJsonAtomic(resolvedFile, cfg);
      writeFileAtomic(metricsFile, []);
    }

    const total = cfg.train.steps;
    const startStep = step;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let imagesDone = 0;
    let trainMs = 0;
    const elapsed = () => {
      const c = process.cpuUsage(cpu0);
      return {
        wallSec: time0.wallSec + (performance.now() - t0) / 1000,
        cpuSec: time0.cpuSec + (c.user + c.system) / 1e6,
        trainMs: time0.trainMs + trainMs,
        images: time0.images + imagesDone,
      };
    };
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
      time: elapsed(),
    });
    /**
     * Saves the current state to `file` unless a value is not finite: then nothing is
     * written (the previous file stays) and the names of the bad tensors are returned.
     */
    const save = async (file: string): Promise<string[]> => {
      const tensors = await checkpointTensors(model, optimizer);
      const bad = nonFiniteTensors(tensors);
      if (bad.length) return bad;
      writeCheckpoint(file, { meta: metaAt(step), tensors });
      if (file === latestFile) savedStep = step;
      return [];
    };
    const appendMetric = (m: Record<string, unknown>) =>
      appendText(metricsFile, `${JSON.stringify(m)}\n`);

    const progress = createProgress(total, options.progressBar ?? false, log);
    const summary = (status: TrainResult['status'], message?: string): TrainSummary => {
      const t = elapsed();
      return {
        status,
        steps: step,
        backend: options.backendName ?? tf.getBackend(),
        threads: T,
        wallTimeSec: t.wallSec,
        cpuTimeSec: t.cpuSec,
        imagesPerSec: t.trainMs > 0 ? t.images / (t.trainMs / 1000) : 0,
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
    const interrupted = async (): Promise<TrainResult> => {
      const bad = await save(latestFile);
      if (bad.length)
        return diverged(`tensor(s) ${bad.slice(0, 3).join(', ')} are not finite`, {
          term: 'optimizer',
          nonFiniteTensors: bad,
        });
      return finish('interrupted', `interrupted at step ${step}; continue with --resume`);
    };
    /**
     * Stops a diverged run: diagnostic.json, summary status 'diverged'. latest.ckpt is not
     * written: the state is bad or about to be, and resuming would repeat the same steps.
     */
    const diverged = (what: string, diag: Record<string, unknown>): TrainResult => {
      const good =
        savedStep === null
          ? `No checkpoint was saved before it; start again (fresh --out) with a lower learning rate.`
          : `The last good checkpoint is ${latestFile} (step ${savedStep}).`;
      const message = `${what} at step ${step}; training stopped. ${good}`;
      writeJsonAtomic(join(outDir, 'diagnostic.json'), {
        step,
        learningRate: schedule(step),
        ...diag,
        checkpoint: savedStep === null ? null : latestFile,
        checkpointStep: savedStep,
      });
      log(`error: ${message}`);
      return finish('diverged', message);
    };

    let evalInterrupted = false;
    const runEval = async () => {
      const r = await evaluateDetectorAsync(model, ds.val, {
        batchSize: Math.max(B, 8),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!r) {
        evalInterrupted = true; // resumed runs repeat it (see pendingEval)
        return;
      }
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
        await save(bestFile);
      }
    };
    const evalDue = (s: number) => s % cfg.train.evalEvery === 0 || s === total;
    // an evaluation due at the checkpoint's step that the interrupted run did not log
    const pendingEval =
      (step > 0 && evalDue(step) && !kept.some((m) => m.type === 'eval' && m.step === step)) ||
      (startStep === total && !lastEval);

    const prepare = (at: number) =>
      prepareBatch(
        batchAt(ds.train, cfg.seed, at * B, B, cfg.data.augment),
        cfg.data.imageSize,
        classNames.length,
        T,
      );
    // T > 1: the next batch is made while the compute threads run, on a loader thread of its
    // own or on the main thread after its shard (options.prefetchOn)
    const prefetch = T > 1 && options.prefetch !== false;
    const pre: { step: number; batch: PreparedBatch | null } = { step: -1, batch: null };
    loader =
      prefetch &&
      (options.prefetchOn ?? (availableParallelism() > T ? 'thread' : 'main')) === 'thread'
        ? createBatchLoader(
            { config: cfg, numClasses: classNames.length, threads: T },
            total,
            prepare,
          )
        : null;
    const steps = await createGradientStepper({
      cfg,
      model,
      optimizer,
      numClasses: classNames.length,
      threads: T,
    });
    stepper = steps;
    const stepCtx = { model, optimizer, stepper: steps };
    const faults = {
      injectNaN: options.injectNaN,
      injectNonFinite: options.injectNonFinite,
      injectWorkerFailure: options.injectWorkerFailure,
    };
    const split = shardRanges(B, T).map(([a, b]) => b - a);
    const parallel =
      T > 1
        ? ` (data-parallel: main thread + ${T - 1} worker(s), batch ${B} = ${split.join('+')})`
        : '';
    log(
      `train: ${options.backendName ?? tf.getBackend()}, ${T} thread${T === 1 ? '' : 's'}${parallel}, ${parameterCount(model)} parameters`,
    );
    if (pendingEval) await runEval();

    let window = { loss: 0, terms: [0, 0], n: 0, ms: 0, images: 0 };
    while (step < total && !evalInterrupted) {
      // let signal handlers (Ctrl-C) and other macrotasks run between steps
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) return await interrupted();
      const ts = performance.now();
      const batch = loader
        ? await loader.get(step)
        : pre.step === step && pre.batch
          ? pre.batch
          : prepare(step);
      pre.batch = null;
      const next = step + 1;
      const logStep = next % cfg.train.logEvery === 0 || next === total;
      const saveStep = next % cfg.train.checkpointEvery === 0 || next === total;
      const out = await trainStep(stepCtx, batch, step, {
        check: logStep || saveStep,
        whileWaiting:
          prefetch && !loader && next < total
            ? () => {
                pre.step = next;
                pre.batch = prepare(next);
              }
            : undefined,
        ...faults,
      });
      if (out.status === 'diverged') {
        if (out.applied) step++;
        return diverged(out.what, out.diagnostic);
      }
      const { loss, terms: termValues, lr, gradNorm } = out;
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
      if (logStep) {
        const entry: Record<string, unknown> = {
          type: 'train',
          step,
          epoch: Math.floor((step * B) / ds.train.size),
          lr,
          loss: window.loss / window.n,
          imagesPerSec: ips,
          gradNorm,
        };
        LOSS_TERMS.forEach((n, i) => {
          entry[n] = window.terms[i] / window.n;
        });
        appendMetric(entry);
        window = { loss: 0, terms: [0, 0], n: 0, ms: 0, images: 0 };
      }
      if (evalDue(step)) await runEval();
      if (saveStep || evalInterrupted) {
        const badT = await save(latestFile);
        if (badT.length)
          return diverged(`tensor(s) ${badT.slice(0, 3).join(', ')} are not finite`, {
            term: 'optimizer',
            nonFiniteTensors: badT,
          });
      }
      options.onStep?.(step);
    }
    if (evalInterrupted) return await interrupted();
    return finish('completed');
  } finally {
    lock?.release();
    await stepper?.dispose();
    await loader?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

export { LOCK_FILE };
