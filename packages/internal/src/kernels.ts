/**
 * Name of @burnin/backend's fused relu gradient (wasm and cpu): inputs `dy`, `y` (float32, one
 * shape), output `dy * step(y)` with the bits of tfjs's Step and Multiply. The trainer's conv
 * blocks run it where it is registered.
 */
export const RELU_GRAD_KERNEL = 'BurninReluGrad';
