// The tfjs-layers callbacks (learningRateLogger, learningRateScheduler, reduceLROnPlateau) are
// in `@burnin/tfjs-adapter/callbacks`, so this entry depends on tfjs-core only.
export { clipByGlobalNorm } from './clip-by-global-norm.js';
export { AdapterOptionError } from './errors.js';
export { MissingGradientError } from './missing-gradient.js';
export {
  getLearningRate,
  type OptimizerKind,
  optimizerKind,
  SUPPORTED_OPTIMIZERS,
} from './optimizer-kind.js';
export type { Schedule, ScheduleFn } from './schedule.js';
export {
  disposeOptimizerWeights,
  ScheduledOptimizer,
  type ScheduledOptimizerState,
  STATE_WEIGHT_PREFIX,
  type WithScheduleOptions,
  withSchedule,
} from './scheduled-optimizer.js';
export { setLearningRate } from './set-learning-rate.js';
