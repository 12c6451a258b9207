import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunJson } from '../run/fs.js';
import type { TrainSummary } from '../train/train.js';
import type { Cell } from './grid.js';
import { lossCurve, runScores } from './results.js';

/** Steps of the loss curve kept per run in sweep.json (the first updates, where burn-in acts). */
export const LOSS_CURVE_STEPS = 500;

/** A cell's state in sweep.json. */
export type RunStatus = 'completed' | 'diverged' | 'interrupted' | 'failed' | 'pending';

/** One entry of sweep.json's `runs`: the cell's id, seed, labels and params, then its results. */
export interface SweepRun extends Pick<Cell, 'id' | 'seed' | 'labels' | 'params'> {
  status: RunStatus;
  /** Steps trained (for a diverged run: the step it stopped at). */
  step: number | null;
  finalAP: number | null;
  finalAP50: number | null;
  bestAP: number | null;
  bestAP50: number | null;
  /** First evaluated step with AP50 >= 0.5, null when never reached. */
  stepsToAP50: number | null;
  /** Wall time of the run, seconds (all resumed segments), from summary.json. */
  wallTimeSec: number | null;
  /** CPU time of the run, seconds (its wall time alone on an idle core), from summary.json. */
  cpuTimeSec: number | null;
  threads: number | null;
  backend: string | null;
  /** Training loss logged in the first {@link LOSS_CURVE_STEPS} steps: [step, loss]. */
  loss: [number, number][];
  /** Why a failed cell failed (the last line of its log). */
  message?: string;
}

const num = (v: number) => (Number.isFinite(v) ? v : null);

/** The sweep.json entry of `cell` from its run folder `dir`. */
export function recordOf(cell: Cell, dir: string, state: RunStatus, message?: string): SweepRun {
  const file = join(dir, 'summary.json');
  const summary = existsSync(file) ? (readRunJson(file) as TrainSummary) : null;
  const scores = runScores(dir);
  return {
    id: cell.id,
    seed: cell.seed,
    labels: cell.labels,
    params: cell.params,
    status: state,
    step: summary?.steps ?? null,
    finalAP: num(scores.finalAP),
    finalAP50: num(scores.finalAP50),
    bestAP: num(scores.bestAP),
    bestAP50: num(scores.bestAP50),
    stepsToAP50: scores.stepsToAP50,
    wallTimeSec: summary ? summary.wallTimeSec : null,
    cpuTimeSec: summary ? summary.cpuTimeSec : null,
    threads: summary ? summary.threads : null,
    backend: summary ? summary.backend : null,
    loss: lossCurve(dir, LOSS_CURVE_STEPS),
    ...(message ? { message } : {}),
  };
}
