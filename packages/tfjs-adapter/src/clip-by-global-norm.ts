import * as tf from '@tensorflow/tfjs-core';

/**
 * Global-norm gradient clipping with the semantics of TensorFlow's `tf.clip_by_global_norm`:
 * `norm = sqrt(sum_i ||g_i||^2)` over every non-null gradient, then each gradient is scaled by
 * `clipNorm / max(norm, clipNorm)` (unchanged when `norm <= clipNorm`). A non-finite norm
 * yields NaN gradients, as in TensorFlow. `null` entries are passed through.
 *
 * Returns new tensors (the caller disposes `grads` and `norm`); the inputs are not disposed.
 * `clipNorm = Infinity` computes the norm without scaling. Must be called with
 * `clipNorm > 0` (the caller validates).
 */
export function clipByGlobalNorm(
  grads: readonly (tf.Tensor | null | undefined)[],
  clipNorm: number,
): { grads: (tf.Tensor | null)[]; norm: tf.Scalar } {
  const present = grads.filter((g): g is tf.Tensor => g != null);
  const out = tf.tidy(() => {
    const norm: tf.Scalar =
      present.length === 0
        ? tf.scalar(0)
        : (tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
    if (clipNorm === Number.POSITIVE_INFINITY) return [norm, ...present.map((g) => g.clone())];
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    return [norm, ...present.map((g) => tf.mul(g, scale))];
  });
  let j = 1;
  return {
    norm: out[0] as tf.Scalar,
    grads: grads.map((g) => (g == null ? null : out[j++])),
  };
}
