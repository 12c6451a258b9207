/**
 * PyTorch `torch.optim.lr_scheduler` as closed forms: the value of
 * `optimizer.param_groups[0]['lr']` after `step` calls to `scheduler.step()` (step 0 is the
 * value right after construction). `lr` is the optimizer's initial learning rate.
 * @module
 */

import { join } from '../core/combinators.js';
import {
  annealCos,
  annealLinear,
  indexAtStep,
  indexPastStep,
  powLn,
  powNonNeg,
  staircase,
} from '../core/math.js';
import {
  isNum,
  isNumArray,
  isOneOf,
  isScheduleArray,
  numOrNull,
  optBoolean,
  optNumber,
  parseOptions,
  type Rule,
  recordedWith,
  sizedBy,
} from '../core/options.js';
import { badStep, defineSchedule, type Schedule } from '../core/schedule.js';
import { fail, num } from '../core/validate.js';
import { isLambda, type LambdaFn, optLambda } from './lambdas.js';

/** Options of {@link stepLR}. */
export interface StepLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Period in steps (integer > 0). */
  stepSize: number;
  /** Factor per period (>= 0). Default 0.1. */
  gamma?: number;
}

/** Options of {@link multiStepLR}. */
export interface MultiStepLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Non-decreasing integer steps >= 0; a repeated milestone applies `gamma` once per repetition. */
  milestones: number[];
  /** Factor per milestone (>= 0). Default 0.1. */
  gamma?: number;
}

/** Options of {@link constantLR}. */
export interface ConstantLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Factor in [0, 1] applied before `totalIters`. Default 1/3. */
  factor?: number;
  /** Integer >= 0. Default 5. */
  totalIters?: number;
}

/** Options of {@link linearLR}. */
export interface LinearLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Factor at step 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor from `totalIters` on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Integer > 0. Default 5. */
  totalIters?: number;
}

/** Options of {@link exponentialLR}. */
export interface ExponentialLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Factor per step (>= 0). */
  gamma: number;
}

/** Options of {@link polynomialLR}. */
export interface PolynomialLROptions {
  /** Initial learning rate. */
  lr: number;
  /** Integer > 0. Default 5. */
  totalIters?: number;
  /** Exponent (>= 0). Default 1. */
  power?: number;
}

/** Options of {@link cosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Initial (maximum) learning rate. */
  lr: number;
  /** Half period in steps (integer > 0). */
  tMax: number;
  /** Minimum learning rate. Default 0. */
  etaMin?: number;
}

/** Options of {@link cosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions {
  /** Initial (maximum) learning rate. */
  lr: number;
  /** Length of the first period (integer > 0). */
  t0: number;
  /** Period multiplier (integer >= 1). Default 1. */
  tMult?: number;
  /** Minimum learning rate. Default 0. */
  etaMin?: number;
}

/** Options of {@link cyclicLR} and {@link cyclicLRMomentum}. */
export interface CyclicLROptions {
  /** Lower learning rate of the cycle. */
  baseLr: number;
  /** Upper learning rate of the cycle. */
  maxLr: number;
  /** Steps of the increasing half (> 0). Default 2000. */
  stepSizeUp?: number;
  /** Steps of the decreasing half (>= 0). Default `stepSizeUp`. */
  stepSizeDown?: number | null;
  /** `'triangular'` (default), `'triangular2'` (amplitude halves each cycle) or `'exp_range'` (amplitude `* gamma ** step`). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** Factor of `exp_range` (>= 0). Default 1. */
  gamma?: number;
  /** Whether momentum cycles (only read by {@link cyclicLRMomentum}). Default true. */
  cycleMomentum?: boolean;
  /** Lower momentum (reached at `maxLr`). Default 0.8. */
  baseMomentum?: number;
  /** Upper momentum (at `baseLr`). Default 0.9. */
  maxMomentum?: number;
  /**
   * Custom `scale_fn` (a function, or the name of one registered with `registerLambda`);
   * replaces `mode` and `gamma`. Receives the cycle number (from 1) or the step, per `scaleMode`.
   */
  scaleFn?: LambdaFn | string | null;
  /** What `scaleFn` receives: `'cycle'` (default) or `'iterations'` (the step). Only read with `scaleFn`. */
  scaleMode?: 'cycle' | 'iterations';
}

/** Options of {@link oneCycleLR} and {@link oneCycleLRMomentum}. */
export interface OneCycleLROptions {
  /** Peak learning rate. */
  maxLr: number;
  /** Total number of steps (integer > 0); or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number | null;
  /** Integer > 0, used with `stepsPerEpoch` when `totalSteps` is absent. */
  epochs?: number | null;
  /** Integer > 0, used with `epochs` when `totalSteps` is absent. */
  stepsPerEpoch?: number | null;
  /** Fraction of the steps spent increasing, in [0, 1]. Default 0.3. */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'`. */
  annealStrategy?: 'cos' | 'linear';
  /** Initial rate is `maxLr / divFactor` (> 0). Default 25. */
  divFactor?: number;
  /** Final rate is `maxLr / divFactor / finalDivFactor` (> 0). Default 1e4. */
  finalDivFactor?: number;
  /** Use the three-phase schedule (fast.ai style). Default false. */
  threePhase?: boolean;
  /** Whether momentum cycles (only read by {@link oneCycleLRMomentum}). Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate. Default 0.85. */
  baseMomentum?: number;
  /** Momentum at the start and end. Default 0.95. */
  maxMomentum?: number;
}

/** Options of {@link sequentialLR}. */
export interface SequentialLROptions {
  /** Schedules (typically other torch schedules built with the same `lr`). */
  schedulers: Schedule[];
  /** `schedulers.length - 1` non-decreasing integer steps >= 0. */
  milestones: number[];
}

/** Options of {@link lambdaLR} and {@link multiplicativeLR}. */
export interface LambdaLROptions {
  /** Initial learning rate. */
  lr: number;
  /**
   * `lr_lambda`: a function of the epoch (torch's `last_epoch`: 0 right after construction,
   * `n` after `n` calls to `scheduler.step()`), or the name of a function registered with
   * `registerLambda` (needed for `toJSON`).
   */
  lrLambda: LambdaFn | string;
}

/** Options of {@link chainedScheduler}. */
export interface ChainedSchedulerOptions {
  /** The chained schedules, all built with the same `lr`. */
  schedulers: Schedule[];
}

/** Options of {@link swaLR}. */
export interface SWALROptions {
  /** The optimizer's learning rate when `SWALR` is constructed. */
  lr: number;
  /** `swa_lr`: the rate annealed to and then held. */
  swaLr: number;
  /** `anneal_epochs` (integer >= 0). Default 10. */
  annealEpochs?: number;
  /** `anneal_strategy`: `'cos'` (default) or `'linear'`. */
  annealStrategy?: 'cos' | 'linear';
}

/** Options of {@link reduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  /** Initial learning rate. */
  lr: number;
  /** The metric passed to each `scheduler.step(metric)` call, in order (finite numbers). */
  metrics: number[];
  /** `'min'` (default: a lower metric is better) or `'max'`. */
  mode?: 'min' | 'max';
  /** Factor per reduction, in [0, 1). Default 0.1. */
  factor?: number;
  /** Steps without improvement tolerated before a reduction (integer >= 0). Default 10. */
  patience?: number;
  /** Improvement needed to count as better (>= 0). Default 1e-4. */
  threshold?: number;
  /** `'rel'` (default: better than `best * (1 -/+ threshold)`) or `'abs'` (`best -/+ threshold`). */
  thresholdMode?: 'rel' | 'abs';
  /** Steps after a reduction during which bad steps are not counted (integer >= 0). Default 0. */
  cooldown?: number;
  /** Lower bound of the learning rate (>= 0). Default 0. */
  minLr?: number;
  /** A reduction smaller than `eps` is skipped (>= 0). Default 1e-8. */
  eps?: number;
}

/** `StepLR`: `lr * gamma ** floor(step / stepSize)`. */
export function stepLR(options: StepLROptions): Schedule {
  const spec = parseOptions('torch.stepLR', options, {
    lr: isNum(),
    stepSize: isNum({ int: true, gt: 0 }),
    gamma: optNumber(0.1, { min: 0 }),
  });
  const { lr, stepSize, gamma } = spec;
  return defineSchedule('torch.stepLR', spec, staircase(lr, gamma, stepSize));
}

/** `MultiStepLR`: `lr * gamma ** (number of milestones <= step)`. */
export function multiStepLR(options: MultiStepLROptions): Schedule {
  const spec = parseOptions('torch.multiStepLR', options, {
    lr: isNum(),
    milestones: isNumArray({ int: true, min: 0 }, 'nondecreasing'),
    gamma: optNumber(0.1, { min: 0 }),
  });
  const { lr, milestones, gamma } = spec;
  const values = milestones.map((_, i) => lr * gamma ** (i + 1));
  values.unshift(lr);
  return defineSchedule('torch.multiStepLR', spec, (step) => {
    return values[indexAtStep(milestones, step)];
  });
}

/**
 * `ConstantLR`: `lr * factor` for `step < totalIters`, then `lr`. As in torch (whose chainable
 * form multiplies by `factor` at step 0 and by `1 / factor` at step `totalIters`):
 * - `totalIters: 0` stays at `lr * factor` forever (the restoring step never comes);
 * - `factor: 0` (with `totalIters > 0`) throws a `ScheduleStepError` from step `totalIters`
 *   on, where torch raises `ZeroDivisionError`.
 */
export function constantLR(options: ConstantLROptions): Schedule {
  const ctx = 'torch.constantLR';
  const spec = parseOptions(ctx, options, {
    lr: isNum(),
    factor: optNumber(1 / 3, { min: 0, max: 1 }),
    totalIters: optNumber(5, { int: true, min: 0 }),
  });
  const { lr, factor, totalIters } = spec;
  const low = lr * factor;
  const end = totalIters === 0 ? Infinity : totalIters;
  const allowed = `a finite number in [0, totalIters = ${totalIters}) (with factor 0 torch divides by zero at step totalIters)`;
  return defineSchedule(ctx, spec, (step) => {
    if (step < end) return low;
    if (factor === 0) badStep(ctx, step, allowed);
    return lr;
  });
}

/** `LinearLR`: `lr * (start + (end - start) * min(step, totalIters) / totalIters)`. */
export function linearLR(options: LinearLROptions): Schedule {
  const spec = parseOptions('torch.linearLR', options, {
    lr: isNum(),
    startFactor: optNumber(1 / 3, { gt: 0, max: 1 }),
    endFactor: optNumber(1, { min: 0, max: 1 }),
    totalIters: optNumber(5, { int: true, gt: 0 }),
  });
  const { lr, startFactor, endFactor, totalIters } = spec;
  const d = (endFactor - startFactor) / totalIters;
  return defineSchedule('torch.linearLR', spec, (step) => {
    return lr * (startFactor + d * Math.min(step, totalIters));
  });
}

/** `ExponentialLR`: `lr * gamma ** step`. */
export function exponentialLR(options: ExponentialLROptions): Schedule {
  const spec = parseOptions('torch.exponentialLR', options, {
    lr: isNum(),
    gamma: isNum({ min: 0 }),
  });
  const { lr, gamma } = spec;
  const ln = Math.log(gamma);
  return defineSchedule('torch.exponentialLR', spec, (step) => {
    return lr * powLn(ln, step);
  });
}

/** `PolynomialLR`: `lr * (1 - min(step, totalIters) / totalIters) ** power` (0 from `totalIters` on). */
export function polynomialLR(options: PolynomialLROptions): Schedule {
  const spec = parseOptions('torch.polynomialLR', options, {
    lr: isNum(),
    totalIters: optNumber(5, { int: true, gt: 0 }),
    power: optNumber(1, { min: 0 }),
  });
  const { lr, totalIters, power } = spec;
  return defineSchedule('torch.polynomialLR', spec, (step) => {
    return lr * powNonNeg(1 - Math.min(step, totalIters) / totalIters, power);
  });
}

/**
 * `CosineAnnealingLR`: `etaMin + (lr - etaMin) * (1 + cos(pi * step / tMax)) / 2`. Like torch,
 * it does not stop at `tMax`: the rate rises again and is periodic with period `2 * tMax`.
 */
export function cosineAnnealingLR(options: CosineAnnealingLROptions): Schedule {
  const spec = parseOptions('torch.cosineAnnealingLR', options, {
    lr: isNum(),
    tMax: isNum({ int: true, gt: 0 }),
    etaMin: optNumber(0),
  });
  const { lr, tMax, etaMin } = spec;
  const half = (lr - etaMin) / 2;
  return defineSchedule('torch.cosineAnnealingLR', spec, (step) => {
    return etaMin + half * (1 + Math.cos((Math.PI * step) / tMax));
  });
}

/**
 * `CosineAnnealingWarmRestarts`: period `i` lasts `t0 * tMult ** i` steps; within it
 * `etaMin + (lr - etaMin) * (1 + cos(pi * tCur / tI)) / 2`, restarting at `lr`.
 */
export function cosineAnnealingWarmRestarts(options: CosineAnnealingWarmRestartsOptions): Schedule {
  const spec = parseOptions('torch.cosineAnnealingWarmRestarts', options, {
    lr: isNum(),
    t0: isNum({ int: true, gt: 0 }),
    tMult: optNumber(1, { int: true, min: 1 }),
    etaMin: optNumber(0),
  });
  const { lr, t0, tMult, etaMin } = spec;
  const half = (lr - etaMin) / 2;
  const logM = Math.log(tMult);
  // Period cache: the current period starts at `start` and lasts `tI` steps.
  let start = 0;
  let tI = t0;
  return defineSchedule('torch.cosineAnnealingWarmRestarts', spec, (step) => {
    if (!(step >= start && step < start + tI)) {
      if (tMult === 1) {
        start = step - (step % t0);
      } else {
        let n = Math.floor(Math.log((step / t0) * (tMult - 1) + 1) / logM);
        while ((t0 * (tMult ** (n + 1) - 1)) / (tMult - 1) <= step) n++;
        while (n > 0 && (t0 * (tMult ** n - 1)) / (tMult - 1) > step) n--;
        start = (t0 * (tMult ** n - 1)) / (tMult - 1);
        tI = t0 * tMult ** n;
      }
    }
    const tCur = step - start;
    return etaMin + half * (1 + Math.cos((Math.PI * tCur) / tI));
  });
}

function cyclic(ctx: string, options: CyclicLROptions, momentum: boolean): Schedule {
  const spec = parseOptions(ctx, options, {
    baseLr: isNum(),
    maxLr: isNum(),
    stepSizeUp: optNumber(2000, { gt: 0 }),
    stepSizeDown: numOrNull({ min: 0 }),
    mode: isOneOf(['triangular', 'triangular2', 'exp_range'] as const, 'triangular'),
    gamma: optNumber(1, { min: 0 }),
    cycleMomentum: optBoolean(true),
    baseMomentum: optNumber(0.8),
    maxMomentum: optNumber(0.9),
    scaleFn: optLambda,
    scaleMode: recordedWith('scaleFn', isOneOf(['cycle', 'iterations'] as const, 'cycle')),
  });
  const { baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, cycleMomentum } = spec;
  const { baseMomentum, maxMomentum, scaleFn: custom, scaleMode } = spec;
  const totalSize = stepSizeUp + (stepSizeDown ?? stepSizeUp);
  const stepRatio = stepSizeUp / totalSize;
  const modeIndex = mode === 'triangular' ? 0 : mode === 'triangular2' ? 1 : 2;
  const lnGamma = Math.log(gamma);
  // momentum: max - height * scale; lr: base + height * scale.
  const lo = momentum ? maxMomentum : baseLr;
  const amp = momentum ? -(maxMomentum - baseMomentum) : maxLr - baseLr;
  if (momentum && !cycleMomentum) {
    return defineSchedule(ctx, spec, (_step) => {
      return maxMomentum;
    });
  }
  if (custom) {
    const fn = custom;
    const byCycle = scaleMode === 'cycle';
    return defineSchedule(ctx, spec, (step) => {
      const cycle = Math.floor(1 + step / totalSize);
      const x = 1 + step / totalSize - cycle;
      const factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
      return lo + amp * factor * fn(byCycle ? cycle : step);
    });
  }
  return defineSchedule(ctx, spec, (step) => {
    const cycle = Math.floor(1 + step / totalSize);
    const x = 1 + step / totalSize - cycle;
    const factor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
    const s =
      modeIndex === 0
        ? 1
        : modeIndex === 1
          ? Math.exp(-(cycle - 1) * Math.LN2)
          : powLn(lnGamma, step);
    return lo + amp * factor * s;
  });
}

/** `CyclicLR` learning rate (modes triangular, triangular2, exp_range, or a custom `scaleFn` with `scaleMode`). */
export function cyclicLR(options: CyclicLROptions): Schedule {
  return cyclic('torch.cyclicLR', options, false);
}

/**
 * The momentum `CyclicLR` sets alongside the learning rate: `maxMomentum` at `baseLr`, `baseMomentum` at `maxLr`.
 * With `cycleMomentum: false` torch leaves the optimizer's momentum alone; this then returns `maxMomentum`
 * (pass the optimizer's momentum there).
 */
export function cyclicLRMomentum(options: CyclicLROptions): Schedule {
  return cyclic('torch.cyclicLRMomentum', options, true);
}

function oneCycle(ctx: string, options: OneCycleLROptions, momentum: boolean): Schedule {
  // `epochs` and `stepsPerEpoch` are read (and required) only without `totalSteps`.
  const perEpoch: Rule<number | null> = (c, name, v, prev) => {
    if (prev.totalSteps !== null) return null;
    if (name === 'epochs' && (v === undefined || v === null)) {
      const total = (options as { totalSteps?: unknown }).totalSteps;
      fail(c, 'totalSteps', total, 'an integer > 0 (or give epochs and stepsPerEpoch)');
    }
    return num(c, name, v, { int: true, gt: 0 });
  };
  const spec = parseOptions(ctx, options, {
    maxLr: isNum(),
    totalSteps: numOrNull({ int: true, gt: 0 }),
    epochs: perEpoch,
    stepsPerEpoch: perEpoch,
    pctStart: optNumber(0.3, { min: 0, max: 1 }),
    annealStrategy: isOneOf(['cos', 'linear'] as const, 'cos'),
    divFactor: optNumber(25, { gt: 0 }),
    finalDivFactor: optNumber(1e4, { gt: 0 }),
    threePhase: optBoolean(false),
    cycleMomentum: optBoolean(true),
    baseMomentum: optNumber(0.85),
    maxMomentum: optNumber(0.95),
  });
  const totalSteps = spec.totalSteps ?? (spec.epochs as number) * (spec.stepsPerEpoch as number);
  spec.totalSteps = totalSteps;
  const { maxLr, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase } = spec;
  const { cycleMomentum, baseMomentum, maxMomentum } = spec;
  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  // Phase ends (inclusive) and start/end values, as in torch.
  const ends = threePhase
    ? [pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1]
    : [pctStart * totalSteps - 1, totalSteps - 1];
  const lrStart = threePhase ? [initialLr, maxLr, initialLr] : [initialLr, maxLr];
  const lrEnd = threePhase ? [maxLr, initialLr, minLr] : [maxLr, minLr];
  const mStart = threePhase
    ? [maxMomentum, baseMomentum, maxMomentum]
    : [maxMomentum, baseMomentum];
  const mEnd = threePhase ? [baseMomentum, maxMomentum, maxMomentum] : [baseMomentum, maxMomentum];
  const starts = [0, ...ends.slice(0, -1)];
  // torch divides by a phase's length only for the steps that fall in it: an empty phase
  // reached at step 0 raises in the constructor, one reached later (e.g. the last phase with
  // pctStart 1, at step totalSteps) only at that step.
  {
    let i0 = 0;
    while (i0 < ends.length - 1 && 0 > ends[i0]) i0++;
    if (ends[i0] === starts[i0]) {
      fail(
        ctx,
        'pctStart',
        pctStart,
        `a value that does not make phase ${i0 + 1} (the one of step 0) empty for totalSteps ${totalSteps} (torch divides by zero in its constructor)`,
      );
    }
  }
  const from = momentum ? mStart : lrStart;
  const to = momentum ? mEnd : lrEnd;
  const cos = annealStrategy === 'cos';
  const last = ends.length - 1;
  const domain = {
    max: totalSteps,
    allowed: `a finite number in [0, totalSteps = ${totalSteps}] (torch raises past totalSteps)`,
  };
  const emptyAllowed = `a step outside the empty phases of this schedule (pctStart ${pctStart}, totalSteps ${totalSteps}: torch divides by zero there)`;
  if (momentum && !cycleMomentum) {
    return defineSchedule(ctx, spec, () => maxMomentum, domain);
  }
  return defineSchedule(
    ctx,
    spec,
    (step) => {
      const i = indexPastStep(ends, step, last);
      if (ends[i] === starts[i]) badStep(ctx, step, emptyAllowed);
      const pct = (step - starts[i]) / (ends[i] - starts[i]);
      const a = from[i];
      const b = to[i];
      return cos ? annealCos(a, b, pct) : annealLinear(a, b, pct);
    },
    domain,
  );
}

/** `OneCycleLR` learning rate. Throws a `ScheduleStepError` for `step > totalSteps`, like torch. */
export function oneCycleLR(options: OneCycleLROptions): Schedule {
  return oneCycle('torch.oneCycleLR', options, false);
}

/** The momentum `OneCycleLR` sets alongside the learning rate (`maxMomentum` when `cycleMomentum` is false). */
export function oneCycleLRMomentum(options: OneCycleLROptions): Schedule {
  return oneCycle('torch.oneCycleLRMomentum', options, true);
}

/**
 * `SequentialLR`: `schedulers[i]` from `milestones[i - 1]` on, restarted at its own step 0
 * (torch calls `scheduler.step(0)` at each milestone).
 */
export function sequentialLR(options: SequentialLROptions): Schedule {
  const ctx = 'torch.sequentialLR';
  const spec = parseOptions(ctx, options, {
    schedulers: isScheduleArray(),
    milestones: sizedBy(
      'schedulers',
      -1,
      'steps',
      isNumArray({ int: true, min: 0 }, 'nondecreasing'),
    ),
  });
  const { schedulers, milestones } = spec;
  const joined = join(schedulers, milestones);
  return defineSchedule(ctx, spec, (step) => joined(step), 'inner');
}

/**
 * `LambdaLR`: `lr * lrLambda(step)`. `lrLambda` receives `step` as it is (torch passes the
 * integer `last_epoch`, starting at 0). Serializable only when `lrLambda` is registered by name.
 * @example
 * torch.lambdaLR({ lr: 0.1, lrLambda: (epoch) => 0.95 ** epoch })(10); // 0.1 * 0.95 ** 10
 */
export function lambdaLR(options: LambdaLROptions): Schedule {
  const spec = parseOptions('torch.lambdaLR', options, { lr: isNum(), lrLambda: isLambda });
  const { lr, lrLambda: fn } = spec;
  return defineSchedule('torch.lambdaLR', spec, (step) => {
    return lr * fn(step);
  });
}

/**
 * `MultiplicativeLR`: `lr` at step 0 (torch does not call the function in its constructor),
 * then `lr * lrLambda(1) * lrLambda(2) * ... * lrLambda(floor(step))`, multiplied in that
 * order like torch's successive updates. The running product is cached, so consecutive steps
 * cost one call each; going back recomputes from step 0.
 * @example
 * torch.multiplicativeLR({ lr: 0.1, lrLambda: () => 0.95 })(3); // 0.1 * 0.95 ** 3 (as three products)
 */
export function multiplicativeLR(options: LambdaLROptions): Schedule {
  const spec = parseOptions('torch.multiplicativeLR', options, { lr: isNum(), lrLambda: isLambda });
  const { lr, lrLambda: fn } = spec;
  let n = 0;
  let v = lr;
  return defineSchedule('torch.multiplicativeLR', spec, (step) => {
    const k = Math.floor(step);
    if (k < n) {
      n = 0;
      v = lr;
    }
    while (n < k) {
      n++;
      v *= fn(n);
    }
    return v;
  });
}

/** Schedule types {@link chainedScheduler} can chain: torch's multiplicative (chainable) schedulers. */
const CHAINABLE = [
  'torch.constantLR',
  'torch.linearLR',
  'torch.exponentialLR',
  'torch.stepLR',
  'torch.multiStepLR',
  'torch.polynomialLR',
  'torch.multiplicativeLR',
  'torch.chainedScheduler',
];

function chainLr(s: Schedule): number {
  const o = s.spec.options;
  return typeof o.lr === 'number' ? o.lr : chainLr0(o.schedulers);
}

function chainLr0(children: unknown): number {
  const first = (children as { options: Record<string, unknown> }[])[0];
  return typeof first.options.lr === 'number'
    ? first.options.lr
    : chainLr0(first.options.schedulers);
}

/**
 * `ChainedScheduler`: torch steps every scheduler in turn on the same optimizer, each
 * multiplying the current rate by its own factor; the result is
 * `lr * (s1(step) / lr) * (s2(step) / lr) * ...`. Accepts torch's multiplicative schedulers
 * (`constantLR`, `linearLR`, `exponentialLR`, `stepLR`, `multiStepLR`, `polynomialLR`,
 * `multiplicativeLR`, and nested `chainedScheduler`s), built with the same `lr`.
 * Takes the array itself or `{ schedulers }`.
 * @example
 * torch.chainedScheduler([
 *   torch.constantLR({ lr: 1, factor: 0.1, totalIters: 2 }),
 *   torch.exponentialLR({ lr: 1, gamma: 0.9 }),
 * ]); // 0.1 0.09 0.81 0.729 ...
 */
export function chainedScheduler(options: Schedule[] | ChainedSchedulerOptions): Schedule {
  const ctx = 'torch.chainedScheduler';
  const raw = Array.isArray(options) ? { schedulers: options } : options;
  const spec = parseOptions(ctx, raw, { schedulers: isScheduleArray() });
  const { schedulers } = spec;
  schedulers.forEach((s, i) => {
    if (!CHAINABLE.includes(s.spec.type)) {
      fail(
        ctx,
        `schedulers[${i}]`,
        s.spec.type,
        `a chainable torch schedule (${CHAINABLE.join(', ')})`,
      );
    }
  });
  const lr = chainLr(schedulers[0]);
  schedulers.forEach((s, i) => {
    if (chainLr(s) !== lr)
      fail(ctx, `schedulers[${i}].lr`, chainLr(s), `the same lr as schedulers[0] (${lr})`);
  });
  const n = schedulers.length;
  return defineSchedule(
    ctx,
    spec,
    (step) => {
      let v = lr;
      for (let i = 0; i < n; i++) {
        const x = schedulers[i](step);
        v = lr === 0 ? 0 : (v * x) / lr;
      }
      return v;
    },
    'inner',
  );
}

/**
 * `torch.optim.swa_utils.SWALR`: `swaLr * a + lr * (1 - a)` with
 * `a = f(clamp(step / annealEpochs, 0, 1))`, `f(t) = (1 - cos(pi * t)) / 2` (`'cos'`) or `t`
 * (`'linear'`); `swaLr` from step `annealEpochs` on. With `annealEpochs: 0` torch jumps to
 * `swaLr` in its constructor: `swaLr` at every step.
 * @example
 * torch.swaLR({ lr: 0.1, swaLr: 0.01, annealEpochs: 5, annealStrategy: 'linear' }); // 0.1 0.082 ... 0.01
 */
export function swaLR(options: SWALROptions): Schedule {
  const spec = parseOptions('torch.swaLR', options, {
    lr: isNum(),
    swaLr: isNum(),
    annealEpochs: optNumber(10, { int: true, min: 0 }),
    annealStrategy: isOneOf(['cos', 'linear'] as const, 'cos'),
  });
  const { lr, swaLr, annealEpochs, annealStrategy } = spec;
  const cos = annealStrategy === 'cos';
  const denom = Math.max(1, annealEpochs);
  return defineSchedule('torch.swaLR', spec, (step) => {
    const s = annealEpochs === 0 ? Math.max(1, step) : step;
    const t = Math.max(0, Math.min(1, s / denom));
    const a = cos ? (1 - Math.cos(Math.PI * t)) / 2 : t;
    return swaLr * a + lr * (1 - a);
  });
}

/**
 * `ReduceLROnPlateau`, replayed over a recorded metric history: the learning rate after
 * `step` calls `scheduler.step(metrics[0])`, ..., `scheduler.step(metrics[step - 1])`.
 * A step counts as bad unless its metric beats the best so far by `threshold`; after more than
 * `patience` bad steps in a row the rate becomes `max(rate * factor, minLr)` (skipped when
 * that changes it by `eps` or less), and the next `cooldown` steps count as good. Fractional
 * steps are floored; a step past `metrics.length` throws a `ScheduleStepError` (torch needs a
 * metric for every step).
 * @example
 * torch.reduceLROnPlateau({ lr: 0.1, metrics: [1, 0.9, 0.9, 0.9], patience: 1, factor: 0.5 });
 * // steps 0..4: 0.1 0.1 0.1 0.1 0.05
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions): Schedule {
  const spec = parseOptions('torch.reduceLROnPlateau', options, {
    lr: isNum(),
    metrics: isNumArray(),
    mode: isOneOf(['min', 'max'] as const, 'min'),
    factor: optNumber(0.1, { min: 0, lt: 1 }),
    patience: optNumber(10, { int: true, min: 0 }),
    threshold: optNumber(1e-4, { min: 0 }),
    thresholdMode: isOneOf(['rel', 'abs'] as const, 'rel'),
    cooldown: optNumber(0, { int: true, min: 0 }),
    minLr: optNumber(0, { min: 0 }),
    eps: optNumber(1e-8, { min: 0 }),
  });
  const { lr, metrics, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps } =
    spec;
  const min = mode === 'min';
  const rel = thresholdMode === 'rel';
  // torch's _is_better, with the same float64 expressions.
  const better = (a: number, best: number): boolean =>
    min
      ? a < (rel ? best * (1 - threshold) : best - threshold)
      : a > (rel ? best * (threshold + 1) : best + threshold);
  const values = [lr];
  let rate = lr;
  let best = min ? Infinity : -Infinity;
  let bad = 0;
  let cooling = 0;
  for (const m of metrics) {
    if (better(m, best)) {
      best = m;
      bad = 0;
    } else bad++;
    if (cooling > 0) {
      cooling--;
      bad = 0;
    }
    if (bad > patience) {
      const next = Math.max(rate * factor, minLr);
      if (rate - next > eps) rate = next;
      cooling = cooldown;
      bad = 0;
    }
    values.push(rate);
  }
  const domain = {
    max: metrics.length,
    allowed: `a finite number in [0, metrics.length = ${metrics.length}] (torch needs a metric for every step)`,
  };
  return defineSchedule(
    'torch.reduceLROnPlateau',
    spec,
    (step) => values[Math.floor(step)],
    domain,
  );
}
