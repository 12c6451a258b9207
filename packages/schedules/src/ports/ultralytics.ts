/**
 * Ultralytics YOLO (v5/v8/11) per-iteration learning rate and momentum: the warm-up of
 * `BaseTrainer._do_train` on top of the per-epoch `LambdaLR` (`lf`), linear or cosine (`cos_lr`).
 * `step` is the global iteration `ni = i + nb * epoch` (batches done).
 * @module
 */

import { ignored, isNum, isOneOf, optBoolean, optNumber, parseOptions } from '../core/options.js';
import { defineSchedule, type Schedule } from '../core/schedule.js';

/** Options of {@link schedule} (names of Ultralytics' `default.yaml`, camelCased). */
export interface UltralyticsScheduleOptions {
  /** `lr0`: initial learning rate. Default 0.01. */
  lr0?: number;
  /** `lrf`: final learning rate as a fraction of `lr0`. Default 0.01. */
  lrf?: number;
  /** `epochs` (integer > 0). Default 100. */
  epochs?: number;
  /** Batches per epoch (`nb = len(train_loader)`, integer > 0). */
  iterationsPerEpoch: number;
  /** `warmup_epochs` (>= 0; 0 disables the warm-up). Default 3. */
  warmupEpochs?: number;
  /** `warmup_bias_lr`: start of the bias group's warm-up. Default 0.1. */
  warmupBiasLr?: number;
  /** `cos_lr`: cosine instead of linear `lf`. Default false. */
  cosLr?: boolean;
  /** Parameter group: `'weights'` (warm-up from 0, default) or `'bias'` (warm-up from `warmupBiasLr`). */
  paramGroup?: 'weights' | 'bias';
  /** Minimum warm-up length in iterations (Ultralytics uses 100). Default 100. */
  minWarmupIterations?: number;
  /** Read by {@link momentum} only (accepted here so one options object serves both). */
  warmupMomentum?: number;
  /** Read by {@link momentum} only. */
  momentum?: number;
}

/**
 * The options both functions read; each also accepts (and leaves out of its spec) the options
 * only the other reads, so that one options object serves both. Functions, so that nothing
 * runs at load.
 */
function warmupRules() {
  return {
    iterationsPerEpoch: isNum({ int: true, gt: 0 }),
    warmupEpochs: optNumber(3, { min: 0 }),
    minWarmupIterations: optNumber(100, { int: true, min: 0 }),
  };
}

function pyRound(x: number): number {
  // Python's round(): halves to even.
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The last warm-up iteration `nw` (-1: no warm-up). */
function warmupIterations(o: {
  warmupEpochs: number;
  minWarmupIterations: number;
  iterationsPerEpoch: number;
}): number {
  const { warmupEpochs, minWarmupIterations, iterationsPerEpoch: nb } = o;
  return warmupEpochs > 0 ? Math.max(pyRound(warmupEpochs * nb), minWarmupIterations) : -1;
}

/**
 * Learning rate of one parameter group at iteration `step`: `lr0 * lf(epoch)` with
 * `epoch = floor(step / iterationsPerEpoch)` and `lf(e) = max(1 - e / epochs, 0) * (1 - lrf) + lrf`
 * (or with `cosLr` `lf(e) = max((1 - cos(e * pi / epochs)) / 2, 0) * (lrf - 1) + 1`); during the
 * warm-up (`step <= nw`, `nw = max(round(warmupEpochs * nb), 100)`) linearly interpolated from 0
 * (`'bias'` group: `warmupBiasLr`) at step 0 to that value at `nw`.
 */
export function schedule(options: UltralyticsScheduleOptions): Schedule {
  const spec = parseOptions('ultralytics.schedule', options, {
    lr0: optNumber(0.01),
    lrf: optNumber(0.01),
    epochs: optNumber(100, { int: true, gt: 0 }),
    warmupBiasLr: optNumber(0.1),
    cosLr: optBoolean(false),
    paramGroup: isOneOf(['weights', 'bias'] as const, 'weights'),
    ...warmupRules(),
    warmupMomentum: ignored,
    momentum: ignored,
  });
  const { lr0, lrf, epochs, iterationsPerEpoch, warmupBiasLr, cosLr, paramGroup } = spec;
  const nw = warmupIterations(spec);
  const start = paramGroup === 'bias' ? warmupBiasLr : 0;
  return defineSchedule('ultralytics.schedule', spec, (step) => {
    const e = Math.floor(step / iterationsPerEpoch);
    let lf: number;
    if (cosLr) {
      const c = (1 - Math.cos((e * Math.PI) / epochs)) / 2;
      lf = Math.max(c, 0) * (lrf - 1) + 1;
    } else {
      const l = 1 - e / epochs;
      lf = Math.max(l, 0) * (1 - lrf) + lrf;
    }
    const lr = lr0 * lf;
    return step <= nw ? start + ((lr - start) * step) / nw : lr;
  });
}

/** Options of {@link momentum}. */
export interface UltralyticsMomentumOptions
  extends Partial<Omit<UltralyticsScheduleOptions, 'iterationsPerEpoch'>> {
  /** Batches per epoch (integer > 0). */
  iterationsPerEpoch: number;
  /** `warmup_epochs`. Default 3. */
  warmupEpochs?: number;
  /** `warmup_momentum`: momentum at step 0. Default 0.8. */
  warmupMomentum?: number;
  /** `momentum`: momentum after the warm-up. Default 0.937. */
  momentum?: number;
  /** Minimum warm-up length in iterations. Default 100. */
  minWarmupIterations?: number;
}

/** SGD momentum (Adam beta1) at iteration `step`: linear from `warmupMomentum` to `momentum` over the warm-up, then `momentum`. */
export function momentum(options: UltralyticsMomentumOptions): Schedule {
  const spec = parseOptions('ultralytics.momentum', options, {
    lr0: ignored,
    lrf: ignored,
    epochs: ignored,
    warmupBiasLr: ignored,
    cosLr: ignored,
    paramGroup: ignored,
    ...warmupRules(),
    warmupMomentum: optNumber(0.8),
    momentum: optNumber(0.937),
  });
  const { warmupMomentum, momentum: m } = spec;
  const nw = warmupIterations(spec);
  return defineSchedule('ultralytics.momentum', spec, (step) => {
    return step <= nw ? warmupMomentum + ((m - warmupMomentum) * step) / nw : m;
  });
}
