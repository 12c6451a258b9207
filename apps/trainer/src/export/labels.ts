/**
 * `labels.json` of an export folder: what the page and `eval --model` need besides the model
 * (class names, input size, output stride, decode parameters), and the marker that makes a
 * folder an export (`format: 'burnin-export'`): only such a folder may be replaced by
 * `burnin export --out`.
 */
import { type DecodeOptions, SIZE_LOGIT_LIMIT } from '../model/decode.js';
import { OUTPUT_STRIDE, SIZE_UNIT } from '../model/geometry.js';
import { ALPHA_BACKGROUND, LETTERBOX_PAD } from '../model/letterbox.js';
import type { Quantization } from './weights.js';

/** Marker of an export folder's labels.json. */
export const EXPORT_FORMAT = 'burnin-export';
/** Version of the labels.json layout this trainer writes and reads. */
export const EXPORT_VERSION = 1;

/** `--format`: a tfjs GraphModel or a tfjs-layers model. */
export type ModelFormat = 'graph' | 'layers';
export const MODEL_FORMATS: readonly ModelFormat[] = ['graph', 'layers'];

/** The contents of labels.json. */
export interface ExportLabels {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** How model.json is loaded: `tf.loadGraphModel` (graph) or `tf.loadLayersModel` (layers). */
  modelFormat: ModelFormat;
  quantization: Quantization;
  /** Class names; category id = index + 1. */
  classNames: string[];
  /** Square input side, pixels; input tensor [B, S, S, 3] RGB in [0, 1] named `input`. */
  inputSize: number;
  input: string;
  /** Output names in the order the model returns them. */
  outputs: string[];
  /** Input pixels per output cell. */
  outputStride: number;
  /** A box side is exp(clip(raw, ±sizeLogitLimit)) * sizeUnit input pixels. */
  sizeUnit: number;
  sizeLogitLimit: number;
  /** Letterbox: grey border value in [0, 1], alpha background 0..255, resampler. */
  letterbox: { pad: number; alphaBackground: number; resize: 'triangle' };
  /** Decoding (3x3 peaks, top-k, per-class NMS) as `predict` and `eval` do it. */
  decode: Required<DecodeOptions>;
  /** Default minimum score of the page (as `predict --score`). */
  minScore: number;
  /** Where the weights came from. */
  source: { checkpoint: string; step: number };
}

/** Every file name an export folder holds besides the weight shards and `tfjs/`. */
export const EXPORT_FILES = ['model.json', 'labels.json', 'index.html', 'detect.js'] as const;

/** labels.json for the given model and options. */
export function makeLabels(o: {
  modelFormat: ModelFormat;
  quantization: Quantization;
  classNames: string[];
  inputSize: number;
  decode: Required<DecodeOptions>;
  minScore: number;
  source: { checkpoint: string; step: number };
}): ExportLabels {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    modelFormat: o.modelFormat,
    quantization: o.quantization,
    classNames: [...o.classNames],
    inputSize: o.inputSize,
    input: 'images',
    outputs: ['heatmap', 'reg'],
    outputStride: OUTPUT_STRIDE,
    sizeUnit: SIZE_UNIT,
    sizeLogitLimit: SIZE_LOGIT_LIMIT,
    letterbox: { pad: LETTERBOX_PAD, alphaBackground: ALPHA_BACKGROUND, resize: 'triangle' },
    decode: { ...o.decode },
    minScore: o.minScore,
    source: o.source,
  };
}

/**
 * Checks parsed labels.json contents; returns a reason when they are not an export this
 * trainer can read (another format, another version, a bad field), else null.
 */
export function labelsProblem(v: unknown): string | null {
  const l = v as Partial<ExportLabels> | null;
  if (l === null || typeof l !== 'object') return 'is not a JSON object';
  if (l.format !== EXPORT_FORMAT)
    return `has format ${JSON.stringify(l.format)}, expected '${EXPORT_FORMAT}'`;
  if (l.version !== EXPORT_VERSION)
    return `has version ${JSON.stringify(l.version)}, expected ${EXPORT_VERSION}`;
  if (!MODEL_FORMATS.includes(l.modelFormat as ModelFormat))
    return `has modelFormat ${JSON.stringify(l.modelFormat)}, expected graph or layers`;
  if (!Array.isArray(l.classNames) || !l.classNames.every((c) => typeof c === 'string'))
    return "has no 'classNames' list";
  if (!Number.isInteger(l.inputSize) || (l.inputSize as number) < 16)
    return `has inputSize ${JSON.stringify(l.inputSize)}, expected an integer >= 16`;
  if (l.outputStride !== OUTPUT_STRIDE || l.sizeUnit !== SIZE_UNIT)
    return `has outputStride ${l.outputStride} / sizeUnit ${l.sizeUnit}, this trainer decodes ${OUTPUT_STRIDE} / ${SIZE_UNIT}`;
  return null;
}
