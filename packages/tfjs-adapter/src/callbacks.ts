/**
 * `@burnin/tfjs-adapter/callbacks`: tfjs-layers callbacks for `model.fit` / `fitDataset`.
 * A separate entry so that `withSchedule` (the main entry) never pulls in
 * `@tensorflow/tfjs-layers`.
 */
export {
  LearningRateLogger,
  type LearningRateLoggerOptions,
  learningRateLogger,
} from './learning-rate-logger.js';
export {
  LearningRateScheduler,
  type LearningRateSchedulerOptions,
  learningRateScheduler,
  type SchedulerFunction,
} from './learning-rate-scheduler.js';
export {
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ReduceLROnPlateauState,
  reduceLROnPlateau,
} from './reduce-lr-on-plateau.js';
