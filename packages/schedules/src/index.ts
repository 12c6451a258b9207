export {
  type ExponentialDecayWithBurninOptions,
  exponentialDecayWithBurnin,
} from './exponential-decay-with-burnin.js';
