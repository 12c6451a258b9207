import type * as tf from '@tensorflow/tfjs-core';
import { Callback } from '@tensorflow/tfjs-layers';
import { plainOptimizerOf } from './callback-utils.js';
import { AdapterOptionError, checkNonNegative, checkOptionKeys, checkStep } from './errors.js';
import { getLearningRate } from './optimizer-kind.js';
import { setLearningRate } from './set-learning-rate.js';

/** Options of {@link reduceLROnPlateau} (PyTorch `ReduceLROnPlateau` names, camelCased). */
export interface ReduceLROnPlateauOptions {
  /** Epoch-log key to watch. Default `'val_loss'`. */
  monitor?: string;
  /**
   * `'min'`: lower is better; `'max'`: higher is better; `'auto'` (default): `'max'` when
   * `monitor` contains `acc` (as Keras does), else `'min'`.
   */
  mode?: 'min' | 'max' | 'auto';
  /** New rate = old * factor. In (0, 1). Default 0.1. */
  factor?: number;
  /**
   * Epochs without improvement that are tolerated: the rate is reduced at the end of the
   * (patience + 1)-th such epoch (PyTorch; Keras reduces one epoch earlier). Integer >= 0,
   * default 10.
   */
  patience?: number;
  /** Minimum change that counts as an improvement (see `thresholdMode`). >= 0, default 1e-4. */
  threshold?: number;
  /**
   * Keras' `min_delta`: improvement means `value < best - minDelta` in min mode
   * (`> best + minDelta` in max mode). The same as `threshold: minDelta, thresholdMode:
   * 'abs'`, so it cannot be combined with `threshold` or `thresholdMode`. >= 0.
   */
  minDelta?: number;
  /**
   * `'rel'` (default): improvement means `value < best * (1 - threshold)` in min mode
   * (`> best * (1 + threshold)` in max mode); `'abs'`: `value < best - threshold`
   * (`> best + threshold`).
   */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. Integer >= 0, default 0. */
  cooldown?: number;
  /** Lower bound of the rate. >= 0, default 0. */
  minLr?: number;
  /** A reduction smaller than this is skipped (PyTorch `eps`). >= 0, default 1e-8. */
  eps?: number;
}

/** Counters of {@link ReduceLROnPlateau}, for checkpoints. */
export interface ReduceLROnPlateauState {
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
}

const FN = 'reduceLROnPlateau';
const OPTIONS = [
  'monitor',
  'mode',
  'factor',
  'patience',
  'threshold',
  'thresholdMode',
  'minDelta',
  'cooldown',
  'minLr',
  'eps',
];

/** See {@link reduceLROnPlateau}. */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  /** Best monitored value so far (±Infinity before the first epoch). */
  best: number;
  /** Consecutive epochs without improvement (reset by a reduction and during cooldown). */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Epoch indices at whose end the rate was reduced. */
  readonly reductions: number[] = [];

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    const checked = checkOptionKeys(FN, options, OPTIONS) as ReduceLROnPlateauOptions;
    const { minDelta } = checked;
    if (minDelta !== undefined) {
      const clash = (['threshold', 'thresholdMode'] as const).find((k) => checked[k] !== undefined);
      if (clash) {
        throw new AdapterOptionError(
          FN,
          clash,
          checked[clash],
          'absent when minDelta is given',
          `${FN}: give either minDelta (Keras) or threshold/thresholdMode (PyTorch), not both: minDelta = d is threshold = d with thresholdMode 'abs'`,
        );
      }
      checkNonNegative(FN, 'minDelta', minDelta);
    }
    const {
      monitor = 'val_loss',
      mode = 'auto',
      factor = 0.1,
      patience = 10,
      threshold = minDelta ?? 1e-4,
      thresholdMode = minDelta === undefined ? 'rel' : 'abs',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = checked;
    if (typeof monitor !== 'string' || monitor.length === 0) {
      throw new AdapterOptionError(FN, 'monitor', monitor, 'a non-empty string');
    }
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') {
      throw new AdapterOptionError(FN, 'mode', mode, "one of 'min', 'max', 'auto'");
    }
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
      throw new AdapterOptionError(FN, 'factor', factor, '(0, 1)');
    }
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new AdapterOptionError(FN, 'thresholdMode', thresholdMode, "one of 'rel', 'abs'");
    }
    this.monitor = monitor;
    this.mode = mode === 'auto' ? (monitor.includes('acc') ? 'max' : 'min') : mode;
    this.factor = factor;
    this.patience = checkStep(FN, 'patience', patience);
    this.threshold = checkNonNegative(FN, 'threshold', threshold);
    this.thresholdMode = thresholdMode;
    this.cooldown = checkStep(FN, 'cooldown', cooldown);
    this.minLr = checkNonNegative(FN, 'minLr', minLr);
    this.eps = checkNonNegative(FN, 'eps', eps);
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Whether `value` improves on `best` (NaN never does). */
  isBetter(value: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') {
      return this.thresholdMode === 'rel' ? value < best * (1 - t) : value < best - t;
    }
    return this.thresholdMode === 'rel' ? value > best * (1 + t) : value > best + t;
  }

  /**
   * One epoch's decision on a monitored value: returns the new rate for `lr` (the same value
   * when no reduction happens). Pure apart from updating the counters; used by `onEpochEnd`.
   */
  update(value: number, lr: number): number {
    if (this.isBetter(value, this.best)) {
      this.best = value;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
      const next = Math.max(lr * this.factor, this.minLr);
      if (lr - next > this.eps) return next;
    }
    return lr;
  }

  override async onTrainBegin(): Promise<void> {
    plainOptimizerOf(FN, this);
  }

  override async onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void> {
    const raw = logs?.[this.monitor];
    if (raw == null) {
      throw new AdapterOptionError(
        FN,
        'monitor',
        this.monitor,
        `one of the logged keys: ${Object.keys(logs ?? {}).join(', ') || '(none)'}`,
      );
    }
    const value = typeof raw === 'number' ? raw : (await (raw as tf.Tensor).data())[0];
    const opt = plainOptimizerOf(FN, this);
    const lr = getLearningRate(opt);
    const next = this.update(value, lr);
    if (next !== lr) {
      setLearningRate(opt, next);
      this.reductions.push(epoch);
    }
  }

  /** Counters to save with a checkpoint. */
  getState(): ReduceLROnPlateauState {
    return {
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
    };
  }

  /** Restores counters saved by {@link getState}. */
  setState(state: ReduceLROnPlateauState): void {
    this.best = state.best;
    this.numBadEpochs = checkStep('ReduceLROnPlateau.setState', 'numBadEpochs', state.numBadEpochs);
    this.cooldownCounter = checkStep(
      'ReduceLROnPlateau.setState',
      'cooldownCounter',
      state.cooldownCounter,
    );
  }
}

/**
 * A tfjs-layers callback that multiplies a plain optimizer's learning rate by `factor` when
 * the monitored epoch metric has stopped improving, with PyTorch's `ReduceLROnPlateau`
 * semantics (`mode`, `threshold`/`thresholdMode`, `patience`, `cooldown`, `minLr`, `eps`;
 * defaults as PyTorch except `monitor = 'val_loss'` and `mode = 'auto'` from Keras). Keras'
 * `min_delta` is accepted as `minDelta` (= `threshold: minDelta, thresholdMode: 'abs'`).
 * Note: Keras reduces after `patience` bad epochs, PyTorch (and this) after `patience + 1`.
 * Throws {@link AdapterOptionError} for bad options, when the monitored key is missing from
 * the epoch logs (e.g. `val_loss` without validation data), and when the model's optimizer
 * is a {@link ScheduledOptimizer}.
 *
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2,
 *   callbacks: [reduceLROnPlateau({ factor: 0.5, patience: 3 })] });
 */
export function reduceLROnPlateau(options?: ReduceLROnPlateauOptions): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}
