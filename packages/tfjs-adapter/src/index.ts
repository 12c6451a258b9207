export { clipByGlobalNorm } from './clip-by-global-norm.js';
export { AdapterOptionError } from './errors.js';
export {
  LearningRateLogger,
  type LearningRateLoggerOptions,
  learningRateLogger,
} from './learning-rate-logger.js';
export {
  LearningRateScheduler,
  type LearningRateSchedulerOptions,
  learningRateScheduler,
} from './learning-rate-scheduler.js';
export {
  getLearningRate,
  type OptimizerKind,
  optimizerKind,
  SUPPORTED_OPTIMIZERS,
} from './optimizer-kind.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
  reduceLROnPlateau,
} from './reduce-lr-on-plateau.js';
export type { Schedule } from './schedule.js';
export {
  disposeOptimizerWeights,
  ScheduledOptimizer,
  type ScheduledOptimizerState,
  STATE_WEIGHT_PREFIX,
  type WithScheduleOptions,
  withSchedule,
} from './scheduled-optimizer.js';
export { setLearningRate } from './set-learning-rate.js';
