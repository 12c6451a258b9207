import { MetricsInputError } from './errors.js';
import { pythonFixed } from './numeric.js';

/** One line of pycocotools' summary: which array, IoU, area label and maxDets it averages. */
export interface CocoSummaryEntry {
  /** `true`: average precision; `false`: average recall. */
  ap: boolean;
  /** A single IoU threshold, or `null` for the mean over all thresholds. */
  iouThr: number | null;
  areaLabel: string;
  maxDets: number;
}

/**
 * The 12 entries of pycocotools' `_summarizeDets` for sorted `maxDets` (at least 3 entries):
 * stat 0 uses maxDets 100 literally, stats 1–5 and 8–11 `maxDets[2]`, stat 6 `maxDets[0]`,
 * stat 7 `maxDets[1]`.
 */
export function cocoSummaryEntries(maxDets: readonly number[] = [1, 10, 100]): CocoSummaryEntry[] {
  const [m0, m1, m2] = maxDets;
  return [
    { ap: true, iouThr: null, areaLabel: 'all', maxDets: 100 },
    { ap: true, iouThr: 0.5, areaLabel: 'all', maxDets: m2 },
    { ap: true, iouThr: 0.75, areaLabel: 'all', maxDets: m2 },
    { ap: true, iouThr: null, areaLabel: 'small', maxDets: m2 },
    { ap: true, iouThr: null, areaLabel: 'medium', maxDets: m2 },
    { ap: true, iouThr: null, areaLabel: 'large', maxDets: m2 },
    { ap: false, iouThr: null, areaLabel: 'all', maxDets: m0 },
    { ap: false, iouThr: null, areaLabel: 'all', maxDets: m1 },
    { ap: false, iouThr: null, areaLabel: 'all', maxDets: m2 },
    { ap: false, iouThr: null, areaLabel: 'small', maxDets: m2 },
    { ap: false, iouThr: null, areaLabel: 'medium', maxDets: m2 },
    { ap: false, iouThr: null, areaLabel: 'large', maxDets: m2 },
  ];
}

function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/**
 * One summary line exactly as pycocotools prints it, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.304`.
 * `iouRange` is `[first, last]` IoU threshold (used when `entry.iouThr` is null).
 */
export function formatCocoSummaryLine(
  entry: CocoSummaryEntry,
  value: number,
  iouRange: readonly [number, number] = [0.5, 0.95],
): string {
  const title = entry.ap ? 'Average Precision' : 'Average Recall';
  const kind = entry.ap ? '(AP)' : '(AR)';
  const iou =
    entry.iouThr === null
      ? `${pythonFixed(iouRange[0], 2)}:${pythonFixed(iouRange[1], 2)}`
      : pythonFixed(entry.iouThr, 2);
  return ` ${padEnd(title, 18)} ${kind} @[ IoU=${padEnd(iou, 9)} | area=${padStart(entry.areaLabel, 6)} | maxDets=${padStart(String(entry.maxDets), 3)} ] = ${pythonFixed(value, 3)}`;
}

/**
 * pycocotools' 12-line bbox summary for `stats` (12 numbers in `COCOeval.stats` order), lines
 * joined with `\n`, no trailing newline. `options` describe a non-default evaluation (sorted
 * `maxDets`, the IoU thresholds shown as `first:last`).
 */
export function formatCocoSummary(
  stats: readonly number[],
  options: { maxDets?: readonly number[]; iouThresholds?: readonly number[] } = {},
): string {
  if (stats.length !== 12) {
    throw new MetricsInputError('stats', 'expected 12 numbers', stats.length);
  }
  const thresholds = options.iouThresholds ?? [0.5, 0.95];
  const range: [number, number] = [thresholds[0], thresholds[thresholds.length - 1]];
  return cocoSummaryEntries(options.maxDets)
    .map((entry, i) => formatCocoSummaryLine(entry, stats[i], range))
    .join('\n');
}
