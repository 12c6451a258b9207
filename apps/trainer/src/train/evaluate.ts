import { CocoEvaluator, type CocoGroundTruth, type CocoResult } from '@burnin/metrics';
import type { DetectionDataset, Sample } from '../data/types.js';
import type { Detector } from '../model/centernet.js';
import { type DecodeOptions, type Detection, decodeDetections } from '../model/decode.js';
import { imagesToTensor } from '../model/loss.js';
import * as tf from '../tf.js';

/** COCO ground truth of a dataset (category id = class index + 1, boxes in input pixels). */
export function datasetToCoco(ds: DetectionDataset): CocoGroundTruth {
  const images: CocoGroundTruth['images'] = [];
  const annotations: CocoGroundTruth['annotations'] = [];
  let annId = 1;
  for (let i = 0; i < ds.size; i++) {
    const s = ds.get(i);
    images.push({ id: s.imageId, width: ds.imageSize, height: ds.imageSize });
    for (let j = 0; j < s.classes.length; j++) {
      const [x1, y1, x2, y2] = s.boxes.subarray(j * 4, j * 4 + 4);
      annotations.push({
        id: annId++,
        image_id: s.imageId,
        category_id: s.classes[j] + 1,
        bbox: [x1, y1, x2 - x1, y2 - y1],
        area: (x2 - x1) * (y2 - y1),
        iscrowd: 0,
      });
    }
  }
  const categories = ds.classNames.map((name, i) => ({ id: i + 1, name }));
  return { images, annotations, categories } as CocoGroundTruth;
}

/** Detections of a batch of images ([B, S, S, 3] input floats). */
export function predictBatch(
  model: Detector,
  images: readonly Float32Array[],
  options?: DecodeOptions,
): Detection[][] {
  const x = imagesToTensor(images, model.config.inputSize);
  const out = model.apply(x);
  try {
    return decodeDetections(out.heatmap, out.reg, options);
  } finally {
    tf.dispose([x, out.heatmap, out.reg]);
  }
}

/** Converts detections to COCO results (category id = class + 1, bbox xywh). */
export function toCocoResults(imageId: number, dets: readonly Detection[]): CocoResult[] {
  return dets.map((d) => ({
    image_id: imageId,
    category_id: d.classId + 1,
    bbox: [d.box[0], d.box[1], d.box[2] - d.box[0], d.box[3] - d.box[1]],
    score: d.score,
  }));
}

/** Result of {@link evaluateDetector}. */
export interface EvalOutcome {
  stats: number[];
  summary: string;
  /** Detections of the first `keepPredictions` images (for the report). */
  predictions: Detection[][];
  /** Milliseconds spent in forward+decode, and in the COCO evaluation. */
  timing: { forwardMs: number; metricsMs: number };
}

/** Options of {@link evaluateDetector}. */
export interface EvaluateOptions {
  batchSize?: number;
  keepPredictions?: number;
  gt?: CocoGroundTruth;
}

/** Runs the detector on a whole dataset and computes the 12 COCO stats. */
export function evaluateDetector(
  model: Detector,
  ds: DetectionDataset,
  options: EvaluateOptions = {},
): EvalOutcome {
  const it = evaluationSteps(model, ds, options);
  let r = it.next();
  while (!r.done) r = it.next();
  return r.value;
}

/**
 * {@link evaluateDetector} that lets other tasks (signal handlers) run between batches and
 * stops early when `signal` is aborted: resolves to null then.
 */
export async function evaluateDetectorAsync(
  model: Detector,
  ds: DetectionDataset,
  options: EvaluateOptions & { signal?: AbortSignal } = {},
): Promise<EvalOutcome | null> {
  const it = evaluationSteps(model, ds, options);
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) {
      it.return(null as unknown as EvalOutcome);
      return null;
    }
    const r = it.next();
    if (r.done) return r.value;
  }
}

/** The evaluation, one batch per iteration; the return value is the outcome. */
function* evaluationSteps(
  model: Detector,
  ds: DetectionDataset,
  options: EvaluateOptions,
): Generator<void, EvalOutcome, void> {
  const { batchSize = 16, keepPredictions = 0 } = options;
  const gt = options.gt ?? datasetToCoco(ds);
  const evaluator = new CocoEvaluator(gt);
  const predictions: Detection[][] = [];
  let forwardMs = 0;
  for (let start = 0; start < ds.size; start += batchSize) {
    if (start > 0) yield;
    const samples: Sample[] = [];
    for (let i = start; i < Math.min(ds.size, start + batchSize); i++) samples.push(ds.get(i));
    const t0 = performance.now();
    const dets = predictBatch(
      model,
      samples.map((s) => s.image),
    );
    forwardMs += performance.now() - t0;
    const results: CocoResult[] = [];
    dets.forEach((d, k) => {
      results.push(...toCocoResults(samples[k].imageId, d));
      if (predictions.length < keepPredictions) predictions.push(d);
    });
    evaluator.addDetections(results);
  }
  yield;
  const t1 = performance.now();
  const r = evaluator.evaluate();
  return {
    stats: r.stats,
    summary: r.summary,
    predictions,
    timing: { forwardMs, metricsMs: performance.now() - t1 },
  };
}
