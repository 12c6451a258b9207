import { existsSync } from 'node:fs';
import type { ScheduledOptimizer } from '@burnin/tfjs-adapter';
import type { TrainConfig } from '../config.js';
import type { Detector } from '../model/centernet.js';
import type { RunFiles } from '../run/files.js';
import { writeJsonAtomic } from '../run/fs.js';
import { type MetricLine, readMetrics, writeMetrics } from '../run/metrics.js';
import { readCheckpoint } from './checkpoint.js';
import { type CheckpointMeta, validateCheckpointMeta } from './checkpoint-meta.js';
import type { RunTime } from './clock.js';
import { restoreCheckpoint } from './model-state.js';
import type { RunState } from './state.js';

/** Where a run segment starts. */
export interface RunStart {
  state: RunState;
  /** Time of the earlier segments (zero for a fresh run). */
  time: RunTime;
  /** An evaluation is due before the first step (the interrupted run did not log it). */
  evalPending: boolean;
}

/** What {@link startRun} needs to know about the run. */
export interface StartOptions {
  cfg: TrainConfig;
  classNames: string[];
  threads: number;
  model: Detector;
  optimizer: ScheduledOptimizer;
  log: (line: string) => void;
}

/** Whether an evaluation is due after `step` updates (every `evalEvery` and at the end). */
export function evalDue(cfg: TrainConfig, step: number): boolean {
  return step % cfg.train.evalEvery === 0 || step === cfg.train.steps;
}

/**
 * Starts a fresh run (writes config.resolved.json and an empty metrics.jsonl) or resumes one:
 * checks and restores latest.ckpt into the model and optimizer (none yet: from step 0),
 * drops the metrics lines written after it (and torn lines), and recovers the last and best
 * evaluations from them. Call with the run folder locked. Throws CheckpointError naming the
 * file and field of a checkpoint that does not fit.
 */
export async function startRun(
  files: RunFiles,
  resume: boolean,
  o: StartOptions,
): Promise<RunStart> {
  const { cfg, log } = o;
  const time: RunTime = { wallSec: 0, cpuSec: 0, trainMs: 0, images: 0 };
  const state: RunState = { step: 0, savedStep: null, best: null, bestStats: null, lastEval: null };
  if (!resume) {
    writeJsonAtomic(files.config, cfg);
    writeMetrics(files.metrics, []);
    return { state, time, evalPending: false };
  }
  const meta = await restoreLatest(files, o);
  if (meta) {
    state.step = meta.step;
    state.savedStep = meta.step;
    state.best = meta.best;
    if (meta.time) Object.assign(time, meta.time);
    const prevThreads = meta.threads ?? 1;
    if (prevThreads !== o.threads)
      log(
        `resume: the checkpoint was trained with ${prevThreads} thread(s), this run uses ${o.threads}: the result will differ (slightly) from an uninterrupted run at ${prevThreads}`,
      );
  } else {
    log(`resume: no checkpoint in ${files.checkpoints} yet: starting ${files.dir} from step 0`);
  }
  const kept = keptMetrics(files.metrics, state.step, log);
  for (const m of kept) {
    if (m.type !== 'eval') continue;
    state.lastEval = { step: m.step as number, stats: m.stats as number[] };
    if (state.best && m.step === state.best.step) state.bestStats = m.stats as number[];
  }
  if (state.savedStep !== null) log(`resumed from ${files.latest} at step ${state.step}`);
  const step = state.step;
  const evalPending =
    (step > 0 && evalDue(cfg, step) && !kept.some((m) => m.type === 'eval' && m.step === step)) ||
    (step === cfg.train.steps && !state.lastEval);
  return { state, time, evalPending };
}

/** Checks latest.ckpt against the run and restores it; null when there is none yet. */
async function restoreLatest(files: RunFiles, o: StartOptions): Promise<CheckpointMeta | null> {
  if (!existsSync(files.latest)) return null;
  const ck = readCheckpoint<CheckpointMeta>(files.latest);
  validateCheckpointMeta(files.latest, ck.meta, {
    config: o.cfg,
    classNames: o.classNames,
    modelVariables: o.model.variables.map((v) => v.name),
  });
  return restoreCheckpoint(files.latest, o.model, o.optimizer);
}

/**
 * Rewrites metrics.jsonl without the lines of steps after `step` (written by the interrupted
 * run after its checkpoint) and without damaged lines (one `log` line counts them); returns
 * the kept lines.
 */
function keptMetrics(file: string, step: number, log: (line: string) => void): MetricLine[] {
  const kept = readMetrics(file, (n) =>
    log(`resume: skipped ${n} damaged line(s) of ${file}`),
  ).filter((m) => (m.step as number) <= step);
  writeMetrics(file, kept);
  return kept;
}
