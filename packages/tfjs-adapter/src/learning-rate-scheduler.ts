import { Callback } from '@tensorflow/tfjs-layers';
import { plainOptimizerOf } from './callback-utils.js';
import { AdapterOptionError, checkNonNegative, checkOptionKeys, checkStep } from './errors.js';
import { getLearningRate } from './optimizer-kind.js';
import { setLearningRate } from './set-learning-rate.js';

/**
 * What {@link learningRateScheduler} calls: `(index, lr) => newLr`, with `index` the epoch
 * (or batch, with `per: 'batch'`) and `lr` the optimizer's current rate, as Keras'
 * `LearningRateScheduler(schedule)` calls `schedule(epoch, lr)`. A one-argument schedule
 * (`(step) => lr`, e.g. from `@burnin/schedules`) works too: it ignores the second argument.
 */
export type SchedulerFunction = (step: number, lr: number) => number;

/** Options of {@link learningRateScheduler}. */
export interface LearningRateSchedulerOptions {
  /**
   * `'epoch'` (default): before epoch `e` (the absolute epoch index, so `fit`'s `initialEpoch`
   * is honoured) the rate becomes `schedule(e)`. `'batch'`: before the k-th batch of the
   * whole training (counted across epochs and `fit` calls, from `initialStep`) the rate
   * becomes `schedule(k)`.
   */
  per?: 'batch' | 'epoch';
  /** With `per: 'batch'`, the index of the first batch. Integer `>= 0`, default 0. */
  initialStep?: number;
}

const FN = 'learningRateScheduler';

/**
 * tfjs-layers callback that sets a plain optimizer's learning rate from a schedule (see
 * {@link learningRateScheduler}). `step` is the index of the next batch (`per: 'batch'`).
 */
export class LearningRateScheduler extends Callback {
  /** With `per: 'batch'`: batches done, counting `initialStep`; the next uses `schedule(step)`. */
  step: number;
  readonly per: 'batch' | 'epoch';

  constructor(
    readonly schedule: SchedulerFunction,
    options: LearningRateSchedulerOptions = {},
  ) {
    super();
    if (typeof schedule !== 'function') {
      throw new AdapterOptionError(FN, 'schedule', schedule, 'a function (step: number) => number');
    }
    const { per = 'epoch', initialStep = 0 } = checkOptionKeys(FN, options, [
      'per',
      'initialStep',
    ]) as LearningRateSchedulerOptions;
    if (per !== 'batch' && per !== 'epoch') {
      throw new AdapterOptionError(FN, 'per', per, "one of 'batch', 'epoch'");
    }
    this.per = per;
    this.step = checkStep(FN, 'initialStep', initialStep);
  }

  private apply(k: number): void {
    const opt = plainOptimizerOf(FN, this);
    const lr = getLearningRate(opt);
    setLearningRate(opt, checkNonNegative(FN, `schedule(${k})`, this.schedule(k, lr)));
  }

  override async onTrainBegin(): Promise<void> {
    plainOptimizerOf(FN, this);
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (this.per === 'epoch') this.apply(epoch);
  }

  override async onBatchBegin(): Promise<void> {
    if (this.per === 'batch') this.apply(this.step);
  }

  override async onBatchEnd(): Promise<void> {
    if (this.per === 'batch') this.step += 1;
  }
}

/**
 * A tfjs-layers callback for `model.fit`/`fitDataset` that drives a plain tfjs optimizer
 * with a schedule: per epoch (`schedule(epoch, lr)` before each epoch, the default) or per
 * batch (`schedule(k, lr)` before the k-th batch overall), `lr` being the optimizer's current
 * rate (Keras' `LearningRateScheduler` signature; one-argument schedules work too). Leak-free for all seven tfjs optimizers.
 * Throws {@link AdapterOptionError} for bad options, for a schedule value that is not finite
 * and `>= 0`, and when the model's optimizer is a {@link ScheduledOptimizer}.
 *
 * @example
 * await model.fit(x, y, { epochs: 20, callbacks: [learningRateScheduler((e) => 0.1 * 0.9 ** e)] });
 * // Keras style: learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * Math.exp(-0.1)))
 */
export function learningRateScheduler(
  schedule: SchedulerFunction,
  options?: LearningRateSchedulerOptions,
): LearningRateScheduler {
  return new LearningRateScheduler(schedule, options);
}
