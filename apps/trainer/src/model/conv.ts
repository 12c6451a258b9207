import * as tf from '../tf.js';

/**
 * 3x3 or 1x1 'same' convolution written as im2col (pad + slices + concat) and one matMul.
 * Mathematically identical to `tf.conv2d(x, w, stride, 'same')`, but its gradient only uses
 * slice/pad/concat/matMul kernels, which are fast on every backend (tfjs' cpu
 * Conv2DBackpropFilter/Input are ~50x slower than its forward pass, and wasm lacks them).
 * `x` [B, H, W, Cin] with even H, W when `stride` is 2; `w` [k, k, Cin, Cout].
 */
export function convSame(x: tf.Tensor4D, w: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const [k, , , cout] = w.shape;
  if (k === 1) {
    const xs = stride === 2 ? subsample(x) : x;
    const [, h, ww] = xs.shape;
    return tf.reshape(tf.matMul(tf.reshape(xs, [-1, C]), tf.reshape(w, [C, cout])), [
      B,
      h,
      ww,
      cout,
    ]);
  }
  // TF 'same' padding: stride 1 pads 1 on each side; stride 2 (even size) pads 0 before, 1 after.
  // (stride 2 pads one extra row/column that the subsampling never reads).
  const before = stride === 1 ? 1 : 0;
  const after = stride === 1 ? 1 : 2;
  const p = tf.pad(x, [
    [0, 0],
    [before, after],
    [before, after],
    [0, 0],
  ]) as tf.Tensor4D;
  const cols: tf.Tensor4D[] = [];
  for (let dy = 0; dy < 3; dy++) {
    for (let dx = 0; dx < 3; dx++) {
      if (stride === 1) cols.push(tf.slice(p, [0, dy, dx, 0], [B, H, W, C]));
      else {
        // rows dy, dy+2, ...: take an (H x W) window, keep every other row/column.
        const win = tf.slice(p, [0, dy, dx, 0], [B, H, W, C]);
        cols.push(subsample(win));
      }
    }
  }
  const oh = stride === 1 ? H : H / 2;
  const ow = stride === 1 ? W : W / 2;
  const patches = tf.reshape(tf.concat(cols, 3), [B * oh * ow, 9 * C]);
  return tf.reshape(tf.matMul(patches, tf.reshape(w, [9 * C, cout])), [B, oh, ow, cout]);
}

/** x[:, ::2, ::2, :] for even H, W, using reshape + slice (both differentiable). */
function subsample(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const rows = tf.slice(tf.reshape(x, [B * (H / 2), 2, W * C]), [0, 0, 0], [-1, 1, -1]);
  const cols = tf.slice(tf.reshape(rows, [B * (H / 2), W / 2, 2 * C]), [0, 0, 0], [-1, -1, C]);
  return tf.reshape(cols, [B, H / 2, W / 2, C]);
}
