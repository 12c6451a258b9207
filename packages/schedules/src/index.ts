export {
  type ClampOptions,
  clamp,
  join,
  scale,
  type WarmupOptions,
  warmup,
} from './core/combinators.js';
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
} from './core/primitives.js';
export { isSchedule, type Schedule, type ScheduleSpec } from './core/schedule.js';
export {
  ScheduleOptionError,
  ScheduleOverflowError,
  ScheduleParseError,
  ScheduleSerializationError,
  ScheduleStepError,
} from './errors.js';
export { fromJSON, MAX_SPEC_DEPTH, scheduleTypes, toJSON } from './interop/json.js';
export {
  fromKerasConfig,
  type KerasScheduleConfig,
  toKerasConfig,
} from './interop/keras-config.js';
export {
  type AsciiPlotOptions,
  asciiPlot,
  formatNumber,
  type SvgPlotOptions,
  svgPlot,
} from './interop/plot.js';
export {
  type PipelineConfig,
  parseLearningRateConfig,
  parsePipelineConfig,
  printLearningRateConfig,
} from './interop/tfod-config.js';
export * as darknet from './ports/darknet.js';
export * as keras from './ports/keras.js';
export { type LambdaFn, registeredLambdas, registerLambda } from './ports/lambdas.js';
export * as optax from './ports/optax.js';
export * as tfod from './ports/tfod.js';
export {
  type ExponentialDecayWithBurninOptions,
  exponentialDecayWithBurnin,
} from './ports/tfod.js';
export * as torch from './ports/torch.js';
export * as ultralytics from './ports/ultralytics.js';
