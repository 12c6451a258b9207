import { runThreads, type TrainConfig } from '../config.js';
import { batchAt, loadDatasets } from '../data/batches.js';
import * as tf from '../tf.js';
import { createGradientStepper, type GradientStepper, prepareBatch } from '../train/parallel.js';
import { optimizerFromConfig } from '../train/setup.js';
import { trainStep } from '../train/step.js';
import { DatasetError, modelFromConfig } from '../train/train.js';
import { rampLearningRate } from './ramp.js';
import { type RangePoint, runRangeTest } from './range-test.js';
import { type LrFindFile, lrFindFile } from './result.js';
import { DEFAULT_BETA } from './smooth.js';
import { DEFAULT_DIVERGENCE_FACTOR } from './stop.js';

/** Options of {@link runLrFind}. */
export interface LrFindRunOptions {
  config: TrainConfig;
  start: number;
  end: number;
  steps: number;
  /** Backend name recorded in the result (the caller selects the backend). */
  backendName?: string;
  /** Data-parallel threads (overrides `config.train.threads`), capped at the batch size. */
  threads?: number | 'auto';
  signal?: AbortSignal;
  onPoint?: (p: RangePoint) => void;
}

/**
 * Runs the range test on a fresh model built from `config` (its seed, model and data, the
 * batches of training steps 0, 1, 2, ..., its optimizer and clipping) with the learning rate
 * of step i ramped from `start` to `end` (see runRangeTest). Nothing is read from or written
 * to any run folder; the model, optimizer and workers are disposed before it returns (no
 * tensor outlives it). A step whose loss, gradients or weights are not finite ends the test
 * with reason `'non-finite'` (its loss is recorded as NaN).
 */
export async function runLrFind(o: LrFindRunOptions): Promise<LrFindFile> {
  const cfg = o.config;
  const ds = await loadDatasets(cfg);
  if (ds.train.size === 0) throw new DatasetError(`training dataset ${ds.train.name} is empty`);
  const B = cfg.train.batchSize;
  const T = runThreads(cfg, o.threads);
  const K = ds.train.classNames.length;
  const schedule = (step: number) => rampLearningRate(step, o.start, o.end, o.steps);
  const model = modelFromConfig(cfg, K);
  const optimizer = optimizerFromConfig(cfg, schedule);
  let stepper: GradientStepper | null = null;
  try {
    stepper = await createGradientStepper({ cfg, model, optimizer, numClasses: K, threads: T });
    const ctx = { model, optimizer, stepper };
    const result = await runRangeTest({
      start: o.start,
      end: o.end,
      steps: o.steps,
      signal: o.signal,
      onPoint: o.onPoint,
      trainStep: async (_lr, step) => {
        // let signal handlers (Ctrl-C) run between steps
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = prepareBatch(
          batchAt(ds.train, cfg.seed, step * B, B, cfg.data.augment),
          cfg.data.imageSize,
          K,
          T,
        );
        const out = await trainStep(ctx, batch, step, { check: true });
        return out.status === 'ok' ? out.loss : Number.NaN;
      },
    });
    return lrFindFile(result, {
      config: cfg,
      start: o.start,
      end: o.end,
      steps: o.steps,
      backend: o.backendName ?? tf.getBackend(),
      threads: T,
      beta: DEFAULT_BETA,
      divergenceFactor: DEFAULT_DIVERGENCE_FACTOR,
    });
  } finally {
    await stepper?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}
