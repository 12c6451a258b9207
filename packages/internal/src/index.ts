// Private to the burnin workspace: each package's tsup build inlines it (`noExternal`), so
// published packages carry their own copy and no dependency on it.
export { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs, adamUpdateLoop } from './adam.js';
export { BURNIN_ERROR, brandErrorClass, isBurninError } from './brand.js';
export { describe } from './describe.js';
export { CONV_BIAS_ACTIVATION_KERNEL, RELU_GRAD_KERNEL } from './kernels.js';
export { closestOption, optionMessage, unknownOptionMessage } from './messages.js';
export {
  FINITE,
  NON_NEGATIVE,
  type NumberBounds,
  type NumberRule,
  numberRule,
  POSITIVE,
  STEP,
  UNIT_INTERVAL,
} from './numbers.js';
