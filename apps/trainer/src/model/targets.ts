import type { Sample } from '../data/types.js';

/** Dense + sparse training targets of a batch, as plain typed arrays. */
export interface BatchTargets {
  /** [B, H, W, C] gaussian class heatmaps in [0, 1] (peaks exactly 1). */
  heatmap: Float32Array;
  /** [N, 3] (batch, row, col) of each object's centre cell. */
  centers: Int32Array;
  /** [N, 4] ground-truth x1,y1,x2,y2 in input pixels. */
  boxes: Float32Array;
  /** Number of objects N. */
  count: number;
  shape: [number, number, number, number];
}

/**
 * Gaussian radius (cells) of CenterNet/CornerNet: the largest r such that a box whose
 * corners move by up to r cells keeps IoU >= `minOverlap` with the true box (`h`, `w` in
 * cells), as the minimum over the three cases (shifted, shrunk, grown). These are the exact
 * smaller roots of the three quadratics; the upstream code's well-known variant divides
 * differently and can return radii for which the IoU is below `minOverlap`.
 */
export function gaussianRadius(h: number, w: number, minOverlap = 0.7): number {
  const m = minOverlap;
  // shifted by (r, r): (w-r)(h-r) >= 2whm/(1+m)
  const b1 = h + w;
  const c1 = (w * h * (1 - m)) / (1 + m);
  const r1 = (b1 - Math.sqrt(Math.max(0, b1 * b1 - 4 * c1))) / 2;
  // shrunk by r on every side: (w-2r)(h-2r) >= m wh
  const b2 = 2 * (h + w);
  const c2 = (1 - m) * w * h;
  const r2 = (b2 - Math.sqrt(Math.max(0, b2 * b2 - 16 * c2))) / 8;
  // grown by r on every side: wh >= m (w+2r)(h+2r)
  const b3 = 2 * m * (h + w);
  const c3 = (1 - m) * w * h;
  const r3 = (-b3 + Math.sqrt(b3 * b3 + 16 * m * c3)) / (8 * m);
  return Math.max(0, Math.min(r1, r2, r3));
}

/**
 * Encodes a batch of samples into CenterNet targets at `stride` (heatmap side
 * `inputSize / stride`). Each object puts a gaussian (sigma = (2r+1)/6, r from
 * {@link gaussianRadius}, at least 0) on its class channel, merged by max.
 */
export function encodeTargets(
  samples: readonly Sample[],
  inputSize: number,
  numClasses: number,
  stride: number,
): BatchTargets {
  const H = Math.floor(inputSize / stride);
  const W = H;
  const B = samples.length;
  const heatmap = new Float32Array(B * H * W * numClasses);
  let count = 0;
  for (const s of samples) count += s.classes.length;
  const centers = new Int32Array(count * 3);
  const boxes = new Float32Array(count * 4);
  let k = 0;
  samples.forEach((s, b) => {
    for (let i = 0; i < s.classes.length; i++) {
      const x1 = s.boxes[i * 4];
      const y1 = s.boxes[i * 4 + 1];
      const x2 = s.boxes[i * 4 + 2];
      const y2 = s.boxes[i * 4 + 3];
      const cls = s.classes[i];
      const cx = (x1 + x2) / 2 / stride;
      const cy = (y1 + y2) / 2 / stride;
      const ix = Math.min(W - 1, Math.max(0, Math.floor(cx)));
      const iy = Math.min(H - 1, Math.max(0, Math.floor(cy)));
      const r = Math.max(0, Math.floor(gaussianRadius((y2 - y1) / stride, (x2 - x1) / stride)));
      const sigma = (2 * r + 1) / 6;
      const base = b * H * W * numClasses;
      for (let y = Math.max(0, iy - r); y <= Math.min(H - 1, iy + r); y++) {
        for (let x = Math.max(0, ix - r); x <= Math.min(W - 1, ix + r); x++) {
          const d2 = (x - ix) ** 2 + (y - iy) ** 2;
          const v = Math.exp(-d2 / (2 * sigma * sigma));
          const o = base + (y * W + x) * numClasses + cls;
          if (v > heatmap[o]) heatmap[o] = v;
        }
      }
      heatmap[base + (iy * W + ix) * numClasses + cls] = 1;
      centers.set([b, iy, ix], k * 3);
      boxes.set([x1, y1, x2, y2], k * 4);
      k++;
    }
  });
  return { heatmap, centers, boxes, count, shape: [B, H, W, numClasses] };
}
