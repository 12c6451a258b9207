export {
  type BoxFormat,
  type Corners,
  convertBoxes,
  toCorners,
} from './box-format.js';
export { type BoxIouOptions, boxIou, generalizedBoxIou } from './box-iou.js';
export { type BoxLossOptions, ciouLoss, diouLoss, giouLoss, iouLoss } from './box-losses.js';
export {
  type BinaryCrossentropyOptions,
  binaryCrossentropy,
  type CosineSimilarityOptions,
  cosineSimilarity,
  hingeLoss,
  kullbackLeiblerDivergence,
  type LabelSmoothingOptions,
  poisson,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
} from './classification.js';
export { LossDtypeError, LossError, LossOptionError, LossShapeError } from './errors.js';
export {
  type BinaryFocalCrossentropyOptions,
  binaryFocalCrossentropy,
  type PenaltyReducedFocalOptions,
  penaltyReducedFocalLoss,
  type SigmoidFocalOptions,
  sigmoidFocalLoss,
} from './focal.js';
export {
  type LocalizationLossOptions,
  type WeightedSmoothL1Options,
  weightedL2LocalizationLoss,
  weightedSmoothL1LocalizationLoss,
} from './localization.js';
export { type LossOptions, reduceLoss } from './reduction.js';
export {
  type HuberOptions,
  huberLoss,
  logCoshLoss,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
  type SmoothL1Options,
  smoothL1Loss,
} from './regression.js';
