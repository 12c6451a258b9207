import { exponential, exponentialDecayWithBurnin } from '@burnin/schedules';

/** Training examples of the regression (the tutorial's `num_samples`). */
export const NUM_SAMPLES = 1024;
/** Examples per update (the tutorial's `batch_size`). */
export const BATCH_SIZE = 32;
/** Updates per epoch: the tutorial's `decay_steps = num_samples // batch_size` (32). */
export const EPOCH_STEPS = Math.floor(NUM_SAMPLES / BATCH_SIZE);

/**
 * What the tutorial's code computes (not what it meant): a staircase decay (0.1, halved every
 * epoch) fed as the rate of a second, continuous decay (x0.1 per epoch) on the same step, i.e.
 * the product `0.1 * 0.5 ** floor(step / E) * 0.1 ** (step / E)`. It starts at its highest
 * value and falls 20x by the end of the first epoch (0.1 to 0.005 at step E): there is no
 * burn-in in it. Returns the learning rate of update `step` (0-based).
 */
export function tutorialChain(epochSteps = EPOCH_STEPS): (step: number) => number {
  const first = exponential({ from: 0.1, rate: 0.5, steps: epochSteps, staircase: true });
  const second = exponential({ from: 1, rate: 0.1, steps: epochSteps });
  return (step) => first(step) * second(step);
}

/**
 * What the tutorial meant, as the TF Object Detection API's `exponential_decay_with_burnin`:
 * 0.01 (a tenth of the rate) for the first epoch, then 0.1 halved every epoch (staircase).
 */
export function intendedBurnin(epochSteps = EPOCH_STEPS) {
  return exponentialDecayWithBurnin({
    learningRateBase: 0.1,
    learningRateDecaySteps: epochSteps,
    learningRateDecayFactor: 0.5,
    burninLearningRate: 0.01,
    burninSteps: epochSteps,
    staircase: true,
  });
}
