import { buildSchedule, runThreads, type TrainConfig } from '../config.js';
import { batchAt, datasetsFromConfig, loadDatasets } from '../data/batches.js';
import type { DetectionDataset } from '../data/types.js';
import { parameterCount } from '../model/centernet.js';
import { LOSS_TERMS } from '../model/loss.js';
import { runFiles } from '../run/files.js';
import { singleThreadedGc } from '../run/gc-mode.js';
import { LOCK_FILE, type RunLock } from '../run/lock.js';
import { appendMetric, readMetrics } from '../run/metrics.js';
import { openRunFolder } from '../run/open.js';
import * as tf from '../tf.js';
import {
  type BatchSource,
  createBatchSource,
  type PrefetchOn,
  resolvePrefetch,
} from './batch-source.js';
import { startClock } from './clock.js';
import type { TrainContext } from './context.js';
import { evaluateRun } from './eval-run.js';
import { finish, saveLatest, stopDiverged, stopInterrupted, type TrainResult } from './outcome.js';
import { createGradientStepper, type GradientStepper } from './parallel.js';
import { checkDatasets, checkRunFolder, DatasetError } from './preflight.js';
import { createProgress } from './progress.js';
import { evalDue, startRun } from './resume.js';
import { modelFromConfig, optimizerFromConfig } from './setup.js';
import { shardRanges } from './shard.js';
import { trainStep } from './step.js';
import { Window } from './window.js';

export type { CheckpointMeta } from './checkpoint-meta.js';
export { validateCheckpointMeta } from './checkpoint-meta.js';
export { restoreCheckpoint } from './model-state.js';
export type { TrainResult, TrainSummary } from './outcome.js';
export {
  batchAt,
  DatasetError,
  datasetsFromConfig,
  LOCK_FILE,
  loadDatasets,
  modelFromConfig,
  readMetrics,
};

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
   * Where prefetched batches are made: `'workers'`, each compute thread its own shard (the
   * main thread shard 0 after its own gradients, each worker its shard right after its
   * gradients, from its own copy of the training set); `'thread'`, a data-loader thread of
   * their own; `'main'`, the main thread, after its own shard while the workers finish theirs.
   * Default: `'workers'` for the synthetic set (demo steps on 2 cores at 2 threads: 15.3 ms
   * median against 16.6 with `'main'`; the loader thread preempts a compute thread there);
   * for a COCO set `'thread'` when a core is left for it, else `'main'`; `'main'` with
   * `datasets` passed in (no other thread can load those: `'workers'` / `'thread'` are then
   * a TrainerError). See resolvePrefetch.
   */
  prefetchOn?: PrefetchOn;
  /** Fault injection for tests: worker `worker` fails at step `step`. */
  injectWorkerFailure?: { step: number; worker: number };
  /**
   * Fault injection for tests: at step `step` the gradients (before the update) or the
   * weights (after it) become NaN.
   */
  injectNonFinite?: { step: number; target: 'gradients' | 'weights' };
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
  const { config: cfg } = options;
  const log = options.log ?? ((l: string) => console.log(l));
  const datasets = options.datasets ?? (await loadDatasets(cfg));
  checkDatasets(datasets, cfg);
  const files = runFiles(options.outDir);
  const schedule = buildSchedule(cfg);
  const classNames = [...datasets.train.classNames];
  const T = runThreads(cfg, options.threads);
  const on = resolvePrefetch({
    threads: T,
    prefetch: options.prefetch,
    prefetchOn: options.prefetchOn,
    fromConfig: options.datasets === undefined,
    kind: cfg.data.kind,
  });
  checkRunFolder(files, cfg, Boolean(options.resume)); // before anything is written

  const model = modelFromConfig(cfg, classNames.length);
  const optimizer = optimizerFromConfig(cfg, schedule);
  let lock: RunLock | null = null;
  let stepper: GradientStepper | null = null;
  let batches: BatchSource | null = null;
  try {
    lock = openRunFolder(files, log);
    const start = await startRun(files, Boolean(options.resume), {
      cfg,
      classNames,
      threads: T,
      model,
      optimizer,
      log,
    });
    const clock = startClock(start.time);
    const progress = createProgress(cfg.train.steps, options.progressBar ?? false, log);
    batches = createBatchSource({
      cfg,
      train: datasets.train,
      numClasses: classNames.length,
      threads: T,
      on,
    });
    stepper = await createGradientStepper({
      cfg,
      model,
      optimizer,
      numClasses: classNames.length,
      threads: T,
      ownShards: batches.on === 'workers',
      shardedUpdate: true,
    });
    const ctx: TrainContext = {
      cfg,
      files,
      datasets,
      classNames,
      threads: T,
      backend: options.backendName ?? tf.getBackend(),
      model,
      optimizer,
      stepper,
      state: start.state,
      clock,
      progress,
      log,
      signal: options.signal,
    };
    log(startLine(ctx));
    return await trainLoop(ctx, batches, start.evalPending, options);
  } finally {
    lock?.release();
    await stepper?.dispose();
    await batches?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** Most milliseconds between two turns of the event loop in the training loop. */
const YIELD_MS = 20;

/**
 * The steps of a run from `ctx.state.step` to `train.steps`: each step trains on its batch
 * (trainStep) and, when due, logs a metrics line, evaluates and saves latest.ckpt. Returns
 * when the run completes, is interrupted (`ctx.signal`, also during an evaluation) or
 * diverges.
 */
async function trainLoop(
  ctx: TrainContext,
  batches: BatchSource,
  evalPending: boolean,
  options: TrainOptions,
): Promise<TrainResult> {
  const { cfg, state } = ctx;
  const total = cfg.train.steps;
  const B = cfg.train.batchSize;
  const stepOptions = {
    injectNaN: options.injectNaN,
    injectNonFinite: options.injectNonFinite,
    injectWorkerFailure: options.injectWorkerFailure,
  };
  if (evalPending && !(await evaluateRun(ctx))) return stopInterrupted(ctx);
  const window = new Window(LOSS_TERMS.length);
  let yielded = -Infinity;
  while (state.step < total) {
    // let signal handlers (Ctrl-C), timers and other macrotasks run between steps, at least
    // every YIELD_MS (a turn of the event loop costs 0.05-0.1 ms: 1-2% of a demo step)
    if (performance.now() - yielded >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      yielded = performance.now();
    }
    if (ctx.signal?.aborted) return stopInterrupted(ctx);
    const t0 = performance.now();
    const batch = await batches.get(state.step);
    const next = state.step + 1;
    const logStep = next % cfg.train.logEvery === 0 || next === total;
    const saveStep = next % cfg.train.checkpointEvery === 0 || next === total;
    const out = await trainStep(ctx, batch, state.step, {
      ...stepOptions,
      check: logStep || saveStep,
      whileWaiting: batches.whileWaiting(state.step),
    });
    if (out.status === 'diverged') {
      if (out.applied) state.step++;
      return stopDiverged(ctx, out.what, out.diagnostic);
    }
    state.step++;
    const ms = performance.now() - t0;
    ctx.clock.addStep(ms, B);
    window.add({ loss: out.loss, terms: out.terms, ms, images: B });
    const w = window.stats() as NonNullable<ReturnType<Window['stats']>>;
    ctx.progress.update(state.step, { loss: out.loss, lr: out.lr, ips: w.imagesPerSec });
    if (logStep) {
      appendMetric(ctx.files.metrics, trainLine(ctx, out.lr, out.gradNorm, w));
      window.reset();
    }
    const evalDone = !evalDue(cfg, state.step) || (await evaluateRun(ctx));
    if (saveStep || !evalDone) {
      const stopped = await saveLatest(ctx);
      if (stopped) return stopped;
    }
    options.onStep?.(state.step);
    if (!evalDone) return stopInterrupted(ctx);
  }
  return finish(ctx, 'completed');
}

/** The `train` metrics line of a log step: means over the window since the last one. */
function trainLine(
  ctx: TrainContext,
  lr: number,
  gradNorm: number | null,
  w: NonNullable<ReturnType<Window['stats']>>,
): Record<string, unknown> {
  const { step } = ctx.state;
  const entry: Record<string, unknown> = {
    type: 'train',
    step,
    epoch: Math.floor((step * ctx.cfg.train.batchSize) / ctx.datasets.train.size),
    lr,
    loss: w.loss,
    imagesPerSec: w.imagesPerSec,
    gradNorm,
  };
  LOSS_TERMS.forEach((n, i) => {
    entry[n] = w.terms[i];
  });
  return entry;
}

/** The first log line: backend, threads (and the batch split), parameters. */
function startLine(ctx: TrainContext): string {
  const T = ctx.threads;
  const B = ctx.cfg.train.batchSize;
  const split = shardRanges(B, T).map(([a, b]) => b - a);
  const parallel =
    T > 1
      ? ` (data-parallel: main thread + ${T - 1} worker(s), batch ${B} = ${split.join('+')})`
      : '';
  const gc = singleThreadedGc() ? ', V8 GC on the training threads (--single-threaded-gc)' : '';
  return `train: ${ctx.backend}, ${T} thread${T === 1 ? '' : 's'}${parallel}${gc}, ${parameterCount(ctx.model)} parameters`;
}
