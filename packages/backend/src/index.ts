export { addFloat32Into } from './add-into.js';
export { BackendUnavailableError, InvalidBackendOptionError } from './errors.js';
export {
  type BackendChoice,
  type BackendPreference,
  type InitBackendOptions,
  initBackend,
  type ThreadsOption,
} from './init-backend.js';
export { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from './kernels/adam-update.js';
export {
  CONV_BIAS_ACTIVATION_KERNEL,
  type ConvBiasActivationAttrs,
} from './kernels/conv-bias-activation.js';
export { RELU_GRAD_KERNEL } from './kernels/relu-grad.js';
export { registerTrainingKernels, trainingKernelNames } from './register-training-kernels.js';
