import type { CheckpointMeta } from './checkpoint-meta.js';

/** An evaluation's step and its 12 COCO stats. */
export interface EvalRecord {
  step: number;
  stats: number[];
}

/** What a run has done so far: the part of a training run that changes as it goes. */
export interface RunState {
  /** Optimizer updates done (= the schedule step of the next update). */
  step: number;
  /** Step of the checkpoint now in latest.ckpt, null when there is none. */
  savedStep: number | null;
  /** Best validation AP so far and its step (stored in every checkpoint). */
  best: CheckpointMeta['best'];
  /** The stats of the best evaluation (null when unknown, e.g. its line was lost). */
  bestStats: number[] | null;
  /** The last evaluation. */
  lastEval: EvalRecord | null;
}
