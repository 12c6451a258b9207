import type { ScheduledOptimizer } from '@burnin/tfjs-adapter';
import type { TrainConfig } from '../config.js';
import type { DetectionDataset } from '../data/types.js';
import type { Detector } from '../model/centernet.js';
import type { RunFiles } from '../run/files.js';
import type { RunClock } from './clock.js';
import type { GradientStepper } from './parallel.js';
import type { Progress } from './progress.js';
import type { RunState } from './state.js';

/**
 * Everything one training run works with, built once by train(): the fixed parts (config,
 * files, data, model, optimizer, gradient stepper) and `state`, the only part that changes.
 */
export interface TrainContext {
  cfg: TrainConfig;
  files: RunFiles;
  datasets: { train: DetectionDataset; val: DetectionDataset };
  classNames: string[];
  /** Data-parallel threads (main thread + workers). */
  threads: number;
  /** Backend name for the log and summary.json. */
  backend: string;
  model: Detector;
  optimizer: ScheduledOptimizer;
  stepper: GradientStepper;
  state: RunState;
  clock: RunClock;
  progress: Progress;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}
