/** Smoothing factor of the loss average, as fastai's `LRFinder` and Lightning's `lr_find` use. */
export const DEFAULT_BETA = 0.98;

/**
 * A bias-corrected exponential moving average of the loss: after the n-th loss `x_n`,
 * `avg_n = beta * avg_{n-1} + (1 - beta) * x_n` (avg_0 = 0) and the smoothed value is
 * `avg_n / (1 - beta ** n)`; the first smoothed value is the first loss itself. Once a loss is
 * NaN or infinite every later value is too (the caller stops there). `beta` in [0, 1).
 */
export function createLossSmoother(beta = DEFAULT_BETA): (loss: number) => number {
  let avg = 0;
  let n = 0;
  return (loss) => {
    n++;
    avg = beta * avg + (1 - beta) * loss;
    return avg / (1 - beta ** n);
  };
}
