export {
  type ClampOptions,
  clamp,
  join,
  scale,
  type WarmupOptions,
  warmup,
} from './combinators.js';
export * as darknet from './darknet.js';
export {
  ScheduleOptionError,
  ScheduleOverflowError,
  ScheduleParseError,
  ScheduleSerializationError,
  ScheduleStepError,
} from './errors.js';
export { fromJSON, MAX_SPEC_DEPTH, scheduleTypes, toJSON } from './json.js';
export * as keras from './keras.js';
export { fromKerasConfig, type KerasScheduleConfig, toKerasConfig } from './keras-config.js';
export { type LambdaFn, registeredLambdas, registerLambda } from './lambdas.js';
export * as optax from './optax.js';
export {
  type AsciiPlotOptions,
  asciiPlot,
  formatNumber,
  type SvgPlotOptions,
  svgPlot,
} from './plot.js';
export {
  type ConstantOptions,
  type CosineOptions,
  constant,
  cosine,
  type ExponentialOptions,
  exponential,
  type LinearOptions,
  linear,
  type PiecewiseConstantOptions,
  type PiecewiseInterpolateOptions,
  type PolynomialOptions,
  piecewiseConstant,
  piecewiseInterpolate,
  polynomial,
} from './primitives.js';
export { isSchedule, type Schedule, type ScheduleSpec } from './schedule.js';
export * as tfod from './tfod.js';
export {
  type ExponentialDecayWithBurninOptions,
  exponentialDecayWithBurnin,
} from './tfod.js';
export {
  type PipelineConfig,
  parseLearningRateConfig,
  parsePipelineConfig,
  printLearningRateConfig,
} from './tfod-config.js';
export * as torch from './torch.js';
export * as ultralytics from './ultralytics.js';
