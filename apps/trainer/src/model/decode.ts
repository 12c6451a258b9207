/**
 * The detector's decoding, the one implementation used by `predict`, `eval`, training's
 * evaluation and the exported page: peaks, top-k, boxes, per-class NMS, and the mapping of
 * boxes back to original-image pixels. Imports only tfjs-core (the page maps it to its tfjs
 * build) and tfjs-free modules.
 */
import * as tf from '@tensorflow/tfjs-core';
import { OUTPUT_STRIDE, SIZE_UNIT } from './geometry.js';
import type { LetterboxMapping } from './letterbox.js';

/** One detection in input-pixel coordinates. */
export interface Detection {
  /** x1, y1, x2, y2 in input pixels. */
  box: [number, number, number, number];
  /** 0-based class. */
  classId: number;
  /** Confidence in (0, 1]. */
  score: number;
}

/** Options of {@link decodeDetections}. */
export interface DecodeOptions {
  /** Peaks kept per image before NMS. Default 100. */
  topK?: number;
  /** Minimum score. Default 0.01. */
  scoreThreshold?: number;
  /** IoU above which a lower-scored same-class box is suppressed. Default 0.6. */
  nmsIou?: number;
}

/** The decode options every caller uses unless told otherwise (recorded in exports). */
export const DECODE_DEFAULTS: Readonly<Required<DecodeOptions>> = Object.freeze({
  topK: 100,
  scoreThreshold: 0.01,
  nmsIou: 0.6,
});

/** Clamp bound of raw size logits, so `exp` never overflows. */
export const SIZE_LOGIT_LIMIT = 6;

/**
 * Builds predicted x1,y1,x2,y2 boxes (input pixels) from regression outputs gathered at
 * cells: `reg` [N, 4] raw (log w, log h, offset x, offset y), `cells` [N, 2] (row, col).
 */
export function regToBoxes(reg: tf.Tensor2D, cells: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [lw, lh, ox, oy] = tf.split(reg, 4, 1);
    const w = tf.mul(tf.exp(tf.clipByValue(lw, -SIZE_LOGIT_LIMIT, SIZE_LOGIT_LIMIT)), SIZE_UNIT);
    const h = tf.mul(tf.exp(tf.clipByValue(lh, -SIZE_LOGIT_LIMIT, SIZE_LOGIT_LIMIT)), SIZE_UNIT);
    const [row, col] = tf.split(cells, 2, 1);
    const cx = tf.mul(tf.add(col, tf.sigmoid(ox)), OUTPUT_STRIDE);
    const cy = tf.mul(tf.add(row, tf.sigmoid(oy)), OUTPUT_STRIDE);
    const hw = tf.div(w, 2);
    const hh = tf.div(h, 2);
    return tf.concat(
      [tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)],
      1,
    ) as tf.Tensor2D;
  });
}

function iou(a: number[], b: number[]): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return u > 0 ? inter / u : 0;
}

/** Greedy per-class NMS on detections sorted by descending score (returns a new array). */
export function nms(dets: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => k.classId !== d.classId || iou(k.box, d.box) <= iouThreshold))
      kept.push(d);
  }
  return kept;
}

/**
 * Decodes model outputs into detections per image: sigmoid heatmap, 3x3 max-pool peak
 * extraction, top-k, box regression at the peaks, per-class NMS. Disposes nothing it
 * did not create.
 */
export function decodeDetections(
  heatmap: tf.Tensor4D,
  reg: tf.Tensor4D,
  options: DecodeOptions = {},
): Detection[][] {
  const { topK, scoreThreshold, nmsIou } = { ...DECODE_DEFAULTS, ...options };
  const [B, H, W, C] = heatmap.shape;
  const k = Math.min(topK, H * W * C);
  const { values, indices, regData } = tf.tidy(() => {
    const p = tf.sigmoid(heatmap);
    const pooled = tf.maxPool(p, 3, 1, 'same');
    const peaks = tf.mul(p, tf.cast(tf.equal(p, pooled), 'float32'));
    const top = tf.topk(tf.reshape(peaks, [B, H * W * C]), k);
    return {
      values: top.values.dataSync() as Float32Array,
      indices: top.indices.dataSync() as Int32Array,
      regData: reg.dataSync() as Float32Array,
    };
  });
  const out: Detection[][] = [];
  const lim = SIZE_LOGIT_LIMIT;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  for (let b = 0; b < B; b++) {
    const dets: Detection[] = [];
    for (let j = 0; j < k; j++) {
      const score = values[b * k + j];
      if (!(score >= scoreThreshold)) continue;
      const flat = indices[b * k + j];
      const cls = flat % C;
      const cell = (flat - cls) / C;
      const col = cell % W;
      const row = (cell - col) / W;
      const o = ((b * H + row) * W + col) * 4;
      const w = Math.exp(Math.min(lim, Math.max(-lim, regData[o]))) * SIZE_UNIT;
      const h = Math.exp(Math.min(lim, Math.max(-lim, regData[o + 1]))) * SIZE_UNIT;
      const cx = (col + sig(regData[o + 2])) * OUTPUT_STRIDE;
      const cy = (row + sig(regData[o + 3])) * OUTPUT_STRIDE;
      dets.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], classId: cls, score });
    }
    out.push(nms(dets, nmsIou));
  }
  return out;
}

/** One detection in COCO results format, in original-image pixels (what `predict --json` prints). */
export interface ImageResult {
  image_id: number;
  /** Class index + 1. */
  category_id: number;
  /** Class name. */
  category: string;
  /** x, y, width, height in original-image pixels, clipped to the image, rounded to 0.01. */
  bbox: [number, number, number, number];
  /** Score rounded to 1e-4. */
  score: number;
}

/**
 * Maps detections in input pixels back to the original image (inverse letterbox, clipped to
 * the image), keeps those with score >= `minScore` and formats them as COCO results
 * (`image_id` = `imageId`, bbox rounded to 0.01 px, score to 1e-4).
 */
export function toImageResults(
  dets: readonly Detection[],
  mapping: LetterboxMapping,
  classNames: readonly string[],
  minScore: number,
  imageId = 0,
): ImageResult[] {
  const { scale, padX, padY, width, height } = mapping;
  const clip = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const round = (v: number, unit: number) => Math.round(v * unit) / unit;
  return dets
    .filter((d) => d.score >= minScore)
    .map((d) => {
      const x1 = clip((d.box[0] - padX) / scale, width);
      const y1 = clip((d.box[1] - padY) / scale, height);
      const x2 = clip((d.box[2] - padX) / scale, width);
      const y2 = clip((d.box[3] - padY) / scale, height);
      return {
        image_id: imageId,
        category_id: d.classId + 1,
        category: classNames[d.classId] ?? String(d.classId + 1),
        bbox: [round(x1, 100), round(y1, 100), round(x2 - x1, 100), round(y2 - y1, 100)],
        score: round(d.score, 1e4),
      };
    });
}
