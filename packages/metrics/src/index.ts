export { boxIouXywh } from './box-iou.js';
export {
  COCO_AREA_RANGES,
  COCO_IOU_THRESHOLDS,
  COCO_MAX_DETS,
  COCO_RECALL_THRESHOLDS,
} from './coco/params.js';
export { CocoEvaluator } from './coco-evaluator.js';
export { parseCocoGroundTruth, parseCocoResults } from './coco-parse.js';
export {
  type CocoSummaryEntry,
  cocoSummaryEntries,
  formatCocoSummary,
  formatCocoSummaryLine,
} from './coco-summary.js';
export type {
  CocoAnnotation,
  CocoAreaRange,
  CocoBox,
  CocoBoxInput,
  CocoCategory,
  CocoCategoryStats,
  CocoEvalOptions,
  CocoEvalResult,
  CocoGroundTruth,
  CocoImage,
  CocoResult,
} from './coco-types.js';
export { CocoFormatError, MetricsInputError } from './errors.js';
export {
  type VocApOptions,
  type VocApResult,
  type VocBox,
  type VocClassResult,
  type VocDetection,
  type VocGroundTruthBox,
  vocAP,
  vocApFromCurve,
} from './voc.js';
