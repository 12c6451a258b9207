import { CONV_BIAS_ACTIVATION_KERNEL, RELU_GRAD_KERNEL } from '@burnin/internal';
import * as tf from '../tf.js';

/** Activation after a conv block's bias. */
export type BlockActivation = 'relu' | 'linear';

type GradFunc = Parameters<typeof tf.customGrad>[0];

/**
 * `act(conv2d(x, w, stride, 'same') + b)` as one differentiable op. The forward runs the same
 * three kernels as the plain composition (Conv2D, Add, Relu), or @burnin/backend's one kernel
 * with their bits; the backward runs the same kernels on the same values (Step and Multiply for
 * the relu, or @burnin/backend's fused kernel with their bits; Sum for the bias;
 * Conv2DBackpropInput and Conv2DBackpropFilter), so values and gradients equal the plain
 * composition's bit for bit; what it saves is the autodiff bookkeeping of the three ops (tape
 * entries, saved-tensor clones, the Cast and Reshape kernels of their stock gradients). `x`
 * [B, H, W, Cin], `w` [k, k, Cin, Cout], `b` [Cout]. With `inputGradient: false`, `x` gets no
 * gradient (the first layer, whose input is the images): no Conv2DBackpropInput runs.
 */
export function convBlock(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  stride: 1 | 2,
  act: BlockActivation,
  inputGradient = true,
): tf.Tensor4D {
  const block = (xIn: tf.Tensor4D, wIn: tf.Tensor4D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = forward(xIn, wIn, bIn, stride, act);
    save([xIn, wIn, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const dz = activationGradient(dy, ys, act);
        const params = [filterGradient(xs, dz, ws.shape, stride), biasGradient(dz)];
        return inputGradient ? [inputGradientOf(dz, ws, xs.shape, stride), ...params] : params;
      },
    };
  };
  if (!inputGradient) {
    // x is a constant of the op: only w and b are its inputs
    const op = tf.customGrad(((wIn: tf.Tensor4D, bIn: tf.Tensor1D, save: tf.GradSaveFunc) =>
      block(x, wIn, bIn, save)) as unknown as GradFunc);
    return op(w, b) as tf.Tensor4D;
  }
  const op = tf.customGrad(block as unknown as GradFunc);
  return op(x, w, b) as tf.Tensor4D;
}

/**
 * The block's value. @burnin/backend's `BurninConvBiasActivation`, where it is registered, gives
 * the bits of Conv2D, Add and Relu in one kernel (on wasm: the native conv and one pass for the
 * bias and relu instead of two more kernels and their tensors).
 */
function forward(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D,
  stride: 1 | 2,
  act: BlockActivation,
): tf.Tensor4D {
  if (
    x.dtype === 'float32' &&
    w.dtype === 'float32' &&
    b.dtype === 'float32' &&
    tf.getKernel(CONV_BIAS_ACTIVATION_KERNEL, tf.getBackend())
  )
    return tf.engine().runKernel(CONV_BIAS_ACTIVATION_KERNEL, { x, filter: w, bias: b }, {
      strides: stride,
      pad: 'same',
      activation: act,
    } as never) as tf.Tensor4D;
  const z = tf.add(tf.conv2d(x, w, stride, 'same'), b) as tf.Tensor4D;
  return act === 'relu' ? tf.relu(z) : z;
}

/**
 * The stock Relu gradient is `dy * step(z)` on the pre-activation z; `step(relu(z))` is the same
 * mask (relu keeps positive values, maps the rest to 0 and keeps NaN). @burnin/backend's
 * `BurninReluGrad` computes it in one kernel with the same bits, where it is registered.
 */
function activationGradient(dy: tf.Tensor4D, y: tf.Tensor4D, act: BlockActivation): tf.Tensor4D {
  if (act === 'linear') return dy;
  if (
    dy.dtype === 'float32' &&
    y.dtype === 'float32' &&
    tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())
  )
    return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }) as tf.Tensor4D;
  return tf.mul(dy, tf.step(y)) as tf.Tensor4D;
}

function biasGradient(dz: tf.Tensor4D): tf.Tensor1D {
  return tf.sum(dz, [0, 1, 2]) as tf.Tensor1D;
}

function filterGradient(
  x: tf.Tensor4D,
  dz: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: 1 | 2,
): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, {
    strides: stride,
    pad: 'same',
    dataFormat: 'NHWC',
    filterShape,
  } as never) as tf.Tensor4D;
}

function inputGradientOf(
  dz: tf.Tensor4D,
  w: tf.Tensor4D,
  inputShape: [number, number, number, number],
  stride: 1 | 2,
): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy: dz, filter: w }, {
    strides: stride,
    pad: 'same',
    dataFormat: 'NHWC',
    inputShape,
  } as never) as tf.Tensor4D;
}
