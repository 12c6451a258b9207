/** Options of {@link exponentialDecayWithBurnin}, named as in TF Object Detection API. */
export interface ExponentialDecayWithBurninOptions {
  /** Base learning rate after burn-in. */
  learningRateBase: number;
  /** Steps per decay period (> 0). */
  learningRateDecaySteps: number;
  /** Multiplicative decay per period. */
  learningRateDecayFactor: number;
  /** Rate held during burn-in; 0 means "use `learningRateBase`". Default 0. */
  burninLearningRate?: number;
  /** Number of burn-in steps. Default 0. */
  burninSteps?: number;
  /** Floor applied to every value, burn-in included. Default 0. */
  minLearningRate?: number;
  /** Decay in whole periods. Default true. */
  staircase?: boolean;
}

/**
 * TF Object Detection API's `exponential_decay_with_burnin`: `burninLearningRate` for
 * steps `[0, burninSteps)`, then `learningRateBase * factor^((step - burninSteps) / decaySteps)`
 * (floored when `staircase`), never below `minLearningRate`.
 */
export function exponentialDecayWithBurnin(
  options: ExponentialDecayWithBurninOptions,
): (step: number) => number {
  const {
    learningRateBase,
    learningRateDecaySteps,
    learningRateDecayFactor,
    burninSteps = 0,
    minLearningRate = 0,
    staircase = true,
  } = options;
  const burnin =
    (options.burninLearningRate ?? 0) === 0 ? learningRateBase : options.burninLearningRate!;
  return (step: number): number => {
    if (step < burninSteps) return Math.max(burnin, minLearningRate);
    let p = (step - burninSteps) / learningRateDecaySteps;
    if (staircase) p = Math.floor(p);
    return Math.max(learningRateBase * learningRateDecayFactor ** p, minLearningRate);
  };
}
