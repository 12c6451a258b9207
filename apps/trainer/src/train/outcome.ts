import { parameterCount } from '../model/centernet.js';
import { writeJsonAtomic } from '../run/fs.js';
import type { TrainContext } from './context.js';
import type { GradientStepper } from './parallel.js';
import { saveCheckpoint } from './save.js';

/** Outcome of train(). */
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

/** The summary of the run as it stands. */
export function summarize(
  ctx: TrainContext,
  status: TrainResult['status'],
  message?: string,
): TrainSummary {
  const t = ctx.clock.elapsed();
  const { state } = ctx;
  return {
    status,
    steps: state.step,
    backend: ctx.backend,
    threads: ctx.threads,
    wallTimeSec: t.wallSec,
    cpuTimeSec: t.cpuSec,
    imagesPerSec: t.trainMs > 0 ? t.images / (t.trainMs / 1000) : 0,
    parameters: parameterCount(ctx.model),
    final: state.lastEval,
    best: state.best && state.bestStats ? { step: state.best.step, stats: state.bestStats } : null,
    ...(message ? { message } : {}),
  };
}

/** Ends the run: closes the progress display, writes summary.json, returns the result. */
export function finish(
  ctx: TrainContext,
  status: TrainResult['status'],
  message?: string,
): TrainResult {
  ctx.progress.done();
  const s = summarize(ctx, status, message);
  writeJsonAtomic(ctx.files.summary, s);
  return { status, step: ctx.state.step, summary: s, timing: ctx.stepper.timing };
}

/**
 * Stops a diverged run: diagnostic.json (the step, its learning rate, `diag`, the last good
 * checkpoint), one `error:` log line, summary status 'diverged'. latest.ckpt is not written:
 * the state is bad or about to be, and resuming would repeat the same steps.
 */
export function stopDiverged(
  ctx: TrainContext,
  what: string,
  diag: Record<string, unknown>,
): TrainResult {
  const { state, files } = ctx;
  const good =
    state.savedStep === null
      ? `No checkpoint was saved before it; start again (fresh --out) with a lower learning rate.`
      : `The last good checkpoint is ${files.latest} (step ${state.savedStep}).`;
  const message = `${what} at step ${state.step}; training stopped. ${good}`;
  writeJsonAtomic(files.diagnostic, {
    step: state.step,
    learningRate: ctx.optimizer.schedule(state.step),
    ...diag,
    checkpoint: state.savedStep === null ? null : files.latest,
    checkpointStep: state.savedStep,
  });
  ctx.log(`error: ${message}`);
  return finish(ctx, 'diverged', message);
}

/**
 * Saves latest.ckpt; null when it was saved. When a tensor is not finite nothing is saved and
 * the run stops as diverged (its result is returned).
 */
export async function saveLatest(ctx: TrainContext): Promise<TrainResult | null> {
  const bad = await saveCheckpoint(ctx, ctx.files.latest);
  if (!bad.length) return null;
  return stopDiverged(ctx, `tensor(s) ${bad.slice(0, 3).join(', ')} are not finite`, {
    term: 'optimizer',
    nonFiniteTensors: bad,
  });
}

/** Stops an interrupted run: latest.ckpt, summary status 'interrupted'. */
export async function stopInterrupted(ctx: TrainContext): Promise<TrainResult> {
  return (
    (await saveLatest(ctx)) ??
    finish(ctx, 'interrupted', `interrupted at step ${ctx.state.step}; continue with --resume`)
  );
}
