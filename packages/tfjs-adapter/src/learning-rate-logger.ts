import type { Logs } from '@tensorflow/tfjs-layers';
import { Callback } from '@tensorflow/tfjs-layers';
import { rateInUse } from './callback-utils.js';
import { AdapterOptionError, checkOptionKeys } from './errors.js';

/** Options of {@link learningRateLogger}. */
export interface LearningRateLoggerOptions {
  /** Log key. Default `'lr'`. */
  key?: string;
  /** Also write the rate into every batch's logs. Default false. */
  perBatch?: boolean;
}

/** See {@link learningRateLogger}. `values` holds the per-epoch rates recorded so far. */
export class LearningRateLogger extends Callback {
  readonly key: string;
  readonly perBatch: boolean;
  /** The rate recorded for each epoch, in order. */
  readonly values: number[] = [];
  private last = Number.NaN;

  constructor(options: LearningRateLoggerOptions = {}) {
    super();
    const { key = 'lr', perBatch = false } = checkOptionKeys('learningRateLogger', options, [
      'key',
      'perBatch',
    ]) as LearningRateLoggerOptions;
    if (typeof perBatch !== 'boolean') {
      throw new AdapterOptionError('learningRateLogger', 'perBatch', perBatch, 'true or false');
    }
    if (typeof key !== 'string' || key.length === 0) {
      throw new AdapterOptionError('learningRateLogger', 'key', key, 'a non-empty string');
    }
    this.key = key;
    this.perBatch = perBatch;
  }

  private current(): number {
    const opt = this.model?.optimizer;
    return opt == null ? Number.NaN : rateInUse(opt);
  }

  override async onEpochBegin(): Promise<void> {
    this.last = Number.NaN;
  }

  override async onBatchEnd(_batch: number, logs?: Logs): Promise<void> {
    this.last = this.current();
    if (this.perBatch && logs != null) logs[this.key] = this.last;
  }

  override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
    const value = Number.isNaN(this.last) ? this.current() : this.last;
    this.values.push(value);
    if (logs != null) logs[this.key] = value;
  }
}

/**
 * A tfjs-layers callback that records the learning rate into the epoch logs (so `History`
 * gets `history.history.lr`): the rate the epoch's LAST update used, read after that batch,
 * so it is not affected by callbacks that change the rate at the end of the epoch (e.g.
 * {@link reduceLROnPlateau}). Works with plain optimizers (their `learningRate` field) and
 * with a {@link ScheduledOptimizer} (its `lastLearningRate`). Place it anywhere in the list.
 *
 * @example
 * const h = await model.fit(x, y, { epochs: 5, callbacks: [learningRateLogger()] });
 * h.history.lr; // one value per epoch
 */
export function learningRateLogger(options?: LearningRateLoggerOptions): LearningRateLogger {
  return new LearningRateLogger(options);
}
