/**
 * Ultralytics YOLO (v5/v8/11) per-iteration learning rate and momentum: the warm-up of
 * `BaseTrainer._do_train` on top of the per-epoch `LambdaLR` (`lf`), linear or cosine (`cos_lr`).
 * `step` is the global iteration `ni = i + nb * epoch` (batches done).
 * @module
 */
import { defineSchedule, type Schedule } from './schedule.js';
import { keys, num, oneOf, optBool, optNum } from './validate.js';

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

/** Both functions accept the same options object (each reads its own fields). */
const ALL_KEYS = [
  'lr0',
  'lrf',
  'epochs',
  'iterationsPerEpoch',
  'warmupEpochs',
  'warmupBiasLr',
  'cosLr',
  'paramGroup',
  'minWarmupIterations',
  'warmupMomentum',
  'momentum',
];

function pyRound(x: number): number {
  // Python's round(): halves to even.
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function warmupIterations(ctx: string, o: Record<string, unknown>, nb: number) {
  const warmupEpochs = optNum(ctx, 'warmupEpochs', o.warmupEpochs, 3, { min: 0 });
  const minWarmupIterations = optNum(ctx, 'minWarmupIterations', o.minWarmupIterations, 100, {
    int: true,
    min: 0,
  });
  const nw = warmupEpochs > 0 ? Math.max(pyRound(warmupEpochs * nb), minWarmupIterations) : -1;
  return { warmupEpochs, minWarmupIterations, nw };
}

/**
 * Learning rate of one parameter group at iteration `step`: `lr0 * lf(epoch)` with
 * `epoch = floor(step / iterationsPerEpoch)` and `lf(e) = max(1 - e / epochs, 0) * (1 - lrf) + lrf`
 * (or with `cosLr` `lf(e) = max((1 - cos(e * pi / epochs)) / 2, 0) * (lrf - 1) + 1`); during the
 * warm-up (`step <= nw`, `nw = max(round(warmupEpochs * nb), 100)`) linearly interpolated from 0
 * (`'bias'` group: `warmupBiasLr`) at step 0 to that value at `nw`.
 */
export function schedule(options: UltralyticsScheduleOptions): Schedule {
  const ctx = 'ultralytics.schedule';
  const o = keys(ctx, options, ALL_KEYS);
  const lr0 = optNum(ctx, 'lr0', o.lr0, 0.01);
  const lrf = optNum(ctx, 'lrf', o.lrf, 0.01);
  const epochs = optNum(ctx, 'epochs', o.epochs, 100, { int: true, gt: 0 });
  const iterationsPerEpoch = num(ctx, 'iterationsPerEpoch', o.iterationsPerEpoch, {
    int: true,
    gt: 0,
  });
  const { warmupEpochs, minWarmupIterations, nw } = warmupIterations(ctx, o, iterationsPerEpoch);
  const warmupBiasLr = optNum(ctx, 'warmupBiasLr', o.warmupBiasLr, 0.1);
  const cosLr = optBool(ctx, 'cosLr', o.cosLr, false);
  const paramGroup = oneOf(
    ctx,
    'paramGroup',
    o.paramGroup,
    ['weights', 'bias'] as const,
    'weights',
  );
  const start = paramGroup === 'bias' ? warmupBiasLr : 0;
  const spec = {
    lr0,
    lrf,
    epochs,
    iterationsPerEpoch,
    warmupEpochs,
    warmupBiasLr,
    cosLr,
    paramGroup,
    minWarmupIterations,
  };
  return defineSchedule(ctx, spec, (step) => {
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
  const ctx = 'ultralytics.momentum';
  const o = keys(ctx, options, ALL_KEYS);
  const iterationsPerEpoch = num(ctx, 'iterationsPerEpoch', o.iterationsPerEpoch, {
    int: true,
    gt: 0,
  });
  const { warmupEpochs, minWarmupIterations, nw } = warmupIterations(ctx, o, iterationsPerEpoch);
  const warmupMomentum = optNum(ctx, 'warmupMomentum', o.warmupMomentum, 0.8);
  const m = optNum(ctx, 'momentum', o.momentum, 0.937);
  const spec = {
    iterationsPerEpoch,
    warmupEpochs,
    warmupMomentum,
    momentum: m,
    minWarmupIterations,
  };
  return defineSchedule(ctx, spec, (step) => {
    return step <= nw ? warmupMomentum + ((m - warmupMomentum) * step) / nw : m;
  });
}
