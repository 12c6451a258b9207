/**
 * Name of @burnin/backend's fused Adam kernel (wasm): inputs `w`, `m`, `v`, `g` (float32, same
 * size), attrs {@link AdamUpdateAttrs}; outputs `[w1, m1, v1]`. @burnin/tfjs-adapter's scheduled
 * Adam runs it where it is registered.
 */
export const ADAM_UPDATE_KERNEL = 'BurninAdamUpdate';

/**
 * The float32 constants of one Adam step: `b1`, `c1 = 1 - b1`, `b2`, `c2 = 1 - b2`,
 * `d1 = 1 - b1^t`, `d2 = 1 - b2^t`, `eps`, `negLr = -lr` (each already rounded to float32).
 */
export interface AdamUpdateAttrs {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  d1: number;
  d2: number;
  eps: number;
  negLr: number;
}

const f = Math.fround;

/**
 * tfjs-core's Adam update in its float32 operation order, each step rounded to float32:
 * `m1 = b1 m + c1 g`, `v1 = b2 v + c2 g^2`, `w1 = w + negLr ((m1 / d1) / (sqrt(v1 / d2) + eps))`
 * (bit-identical to tfjs's 18 kernels; float64 arithmetic then `Math.fround` is exact here).
 * Writes every element of `out`.
 */
export function adamUpdateLoop(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  out: { w: Float32Array; m: Float32Array; v: Float32Array },
  k: AdamUpdateAttrs,
): void {
  const { b1, c1, b2, c2, d1, d2, eps, negLr } = k;
  for (let j = 0; j < w.length; j++) {
    const gj = g[j];
    const mj = f(f(m[j] * b1) + f(gj * c1));
    const vj = f(f(v[j] * b2) + f(f(gj * gj) * c2));
    out.m[j] = mj;
    out.v[j] = vj;
    out.w[j] = f(f(f(f(mj / d1) / f(f(Math.sqrt(f(vj / d2))) + eps)) * negLr) + w[j]);
  }
}
