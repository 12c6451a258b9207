import { readFile } from 'node:fs/promises';
import { CocoEvaluator } from './coco-evaluator.js';
import { fileError, parseCocoGroundTruth, parseCocoResults, parseJsonText } from './coco-parse.js';
import type { CocoEvalOptions, CocoEvalResult, CocoGroundTruth, CocoResult } from './coco-types.js';

/** Reads a UTF-8 file (this module is the `@burnin/metrics/node` entry: Node only). */
async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw fileError(path, 'cannot read file', error);
  }
}

/**
 * Node only: reads and validates a COCO ground-truth JSON file. Throws `CocoFormatError` with
 * `file` = `path` for an unreadable file, invalid JSON or a malformed entry.
 */
export async function readCocoGroundTruth(path: string): Promise<CocoGroundTruth> {
  return parseCocoGroundTruth(parseJsonText(await readText(path), path), path);
}

/**
 * Node only: reads and validates a COCO results JSON file (an array of
 * `{ image_id, category_id, bbox, score }`) against ground truth. Throws `CocoFormatError`
 * with `file` = `path`, the entry index and the field.
 */
export async function readCocoResults(
  path: string,
  groundTruth: CocoGroundTruth,
): Promise<CocoResult[]> {
  return parseCocoResults(parseJsonText(await readText(path), path), groundTruth, path);
}

/**
 * Node only: `pycocotools` on two files: loads ground truth and results, evaluates bbox
 * detections and returns stats, per-category numbers and the 12-line summary.
 *
 * ```ts
 * const { summary, stats } = await evaluateCocoFiles('instances_val2017.json', 'dets.json');
 * console.log(summary);
 * ```
 */
export async function evaluateCocoFiles(
  groundTruthPath: string,
  resultsPath: string,
  options: CocoEvalOptions = {},
): Promise<CocoEvalResult> {
  const groundTruth = await readCocoGroundTruth(groundTruthPath);
  const results = await readCocoResults(resultsPath, groundTruth);
  const evaluator = new CocoEvaluator(groundTruth, options);
  evaluator.addDetections(results, resultsPath);
  return evaluator.evaluate();
}
