/** Features per example. */
export const FEATURES = 8;
/** The true weights; some are above 1, so a model starting at 0 must travel to reach them. */
export const TRUE_WEIGHTS = [2.5, -2, 1.5, -1, 0.5, 3, -2.5, 1];
/** The true bias. */
export const TRUE_BIAS = 0.5;
/** Standard deviation of the label noise: the best reachable MSE is about its square, 0.01. */
export const NOISE = 0.1;

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A linear regression set: `x` row-major `[n, FEATURES]` standard normal, `y[i] = x[i] .
 * TRUE_WEIGHTS + TRUE_BIAS + NOISE * e` with standard normal `e`. The same `seed` gives the
 * same numbers on every machine (plain JS, no tfjs random ops).
 */
export function regressionData(n: number, seed = 1): { x: Float32Array; y: Float32Array } {
  const u = uniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const x = new Float32Array(n * FEATURES);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = TRUE_BIAS;
    for (let j = 0; j < FEATURES; j++) {
      const xij = normal();
      x[i * FEATURES + j] = xij;
      v += xij * TRUE_WEIGHTS[j];
    }
    y[i] = v + NOISE * normal();
  }
  return { x, y };
}
