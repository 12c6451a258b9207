export { BackendUnavailableError, InvalidBackendOptionError } from './errors.js';
export {
  type BackendChoice,
  type BackendPreference,
  type InitBackendOptions,
  initBackend,
  type ThreadsOption,
} from './init-backend.js';
export { registerTrainingKernels, trainingKernelNames } from './register-training-kernels.js';
