/**
 * Name of @burnin/backend's fused relu gradient (wasm and cpu): inputs `dy`, `y` (float32, one
 * shape), output `dy * step(y)` with the bits of tfjs's Step and Multiply. The trainer's conv
 * blocks run it where it is registered.
 */
export const RELU_GRAD_KERNEL = 'BurninReluGrad';

/**
 * Name of @burnin/backend's convolution with bias and activation (wasm and cpu): inputs `x`
 * [B, H, W, Cin], `filter` [k, k, Cin, Cout], `bias` [Cout] (float32), attrs `strides`, `pad`
 * and `activation` ('relu' or 'linear'); output `act(conv2d(x, filter) + bias)` with exactly the
 * bits of the backend's Conv2D, Add and Relu kernels run one after the other. The trainer's conv
 * blocks run it where it is registered.
 */
export const CONV_BIAS_ACTIVATION_KERNEL = 'BurninConvBiasActivation';
