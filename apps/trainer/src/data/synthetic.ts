import { TrainerError } from '../errors.js';
import { advance, createRng, draw, hashSeed, uniform } from './rng.js';
import type { DetectionDataset, Sample } from './types.js';

/** Class names of the built-in synthetic dataset, in class-index order. */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle'] as const;

/** Options of {@link createSyntheticDataset}. */
export interface SyntheticOptions {
  /** Which split; train and val images never coincide (different seed streams). */
  split: 'train' | 'val';
  /** Number of images (> 0). */
  size: number;
  /** Square image side in pixels (>= 32). Default 128. */
  imageSize?: number;
  /** Dataset seed. Default 0. */
  seed?: number;
  /** Maximum objects per image (>= 1). Default 5. */
  maxObjects?: number;
  /** Smallest object side in pixels. Default 6. */
  minObjectSize?: number;
  /** Largest object side as a fraction of the image side. Default 0.5. */
  maxObjectFraction?: number;
}

/** Error thrown for invalid synthetic-dataset options. */
export class SyntheticDatasetError extends TrainerError {
  override name = 'SyntheticDatasetError';
}

interface Shape {
  cls: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  rgb: [number, number, number];
}

function check(cond: boolean, msg: string): void {
  if (!cond) throw new SyntheticDatasetError(msg);
}

/**
 * The built-in synthetic detection dataset: deterministic (seeded) images of circles,
 * squares and triangles with random sizes (6 px to half the image), colours, overlaps
 * and noisy/textured backgrounds. Image `i` of a split is always the same image.
 * Augmentation (when `get` receives an rng): random horizontal flip.
 */
export function createSyntheticDataset(options: SyntheticOptions): DetectionDataset {
  const {
    split,
    size,
    imageSize = 128,
    seed = 0,
    maxObjects = 5,
    minObjectSize = 6,
    maxObjectFraction = 0.5,
  } = options;
  check(split === 'train' || split === 'val', `split must be 'train' or 'val', got ${split}`);
  check(Number.isInteger(size) && size > 0, `size must be a positive integer, got ${size}`);
  check(
    Number.isInteger(imageSize) && imageSize >= 32,
    `imageSize must be an integer >= 32, got ${imageSize}`,
  );
  check(
    Number.isInteger(maxObjects) && maxObjects >= 1,
    `maxObjects must be an integer >= 1, got ${maxObjects}`,
  );
  const maxSide = Math.max(minObjectSize + 1, Math.floor(imageSize * maxObjectFraction));
  check(
    minObjectSize >= 2 && minObjectSize < imageSize,
    `minObjectSize must be in [2, ${imageSize}), got ${minObjectSize}`,
  );
  const splitId = split === 'train' ? 1 : 2;
  return {
    name: `synthetic-${split}`,
    size,
    imageSize,
    classNames: SHAPE_CLASSES,
    get(index: number, augment?: { rng: () => number }): Sample {
      check(
        Number.isInteger(index) && index >= 0 && index < size,
        `index must be an integer in [0, ${size}), got ${index}`,
      );
      const s = render(
        hashSeed(seed, splitId, index),
        imageSize,
        maxObjects,
        minObjectSize,
        maxSide,
      );
      const sample: Sample = { imageId: index + 1, ...s };
      if (augment && augment.rng() < 0.5) flipHorizontal(sample, imageSize);
      return sample;
    },
  };
}

function flipHorizontal(sample: Sample, n: number): void {
  const img = sample.image;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n >> 1; x++) {
      const a = (y * n + x) * 3;
      const b = (y * n + (n - 1 - x)) * 3;
      for (let c = 0; c < 3; c++) {
        const t = img[a + c];
        img[a + c] = img[b + c];
        img[b + c] = t;
      }
    }
  }
  const bx = sample.boxes;
  for (let i = 0; i < bx.length; i += 4) {
    const x1 = bx[i];
    bx[i] = n - bx[i + 2];
    bx[i + 2] = n - x1;
  }
}

function luminance(c: readonly number[]): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** `v` clamped to [0, 1] (no value here is NaN or -0, so this equals min(1, max(0, v))). */
function clamp01(v: number): number {
  // biome-ignore lint/complexity/useMathMinMax: the ternary renders an image in 0.117 ms, Math.min/max in 0.133
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function render(
  seed: number,
  n: number,
  maxObjects: number,
  minSide: number,
  maxSide: number,
): { image: Float32Array; boxes: Float32Array; classes: Int32Array } {
  let rng = createRng(seed);
  const image = new Float32Array(n * n * 3);
  // Background: base colour + linear gradient + optional stripes + per-pixel noise.
  const base = [rng(), rng(), rng()];
  const gx = uniform(rng, -0.2, 0.2);
  const gy = uniform(rng, -0.2, 0.2);
  const stripes = rng() < 0.4;
  const stripeFreq = uniform(rng, 0.1, 0.5);
  const stripeAmp = stripes ? uniform(rng, 0.03, 0.12) : 0;
  const noiseAmp = uniform(rng, 0.0, 0.12);
  const inv = 1 / n;
  // the stripe term depends on x + y only: one sine per diagonal (the same values, bit for bit)
  const stripe = new Float64Array(2 * n - 1);
  for (let d = 0; d < stripe.length; d++) stripe[d] = stripeAmp * Math.sin(d * stripeFreq);
  const [b0, b1, b2] = base;
  // the per-pixel noise: the generator's next draws in pixel-then-channel order, drawn
  // inline from its int32 state (no buffer of draws, no call per draw)
  let s = rng.state() | 0;
  let o = 0;
  for (let y = 0; y < n; y++) {
    const gyy = gy * (y * inv - 0.5);
    for (let x = 0; x < n; x++) {
      const g = gx * (x * inv - 0.5) + gyy;
      const st = stripe[x + y];
      // left to right as written: ((base + g) + st) + noise, one rng draw per channel
      s = advance(s);
      image[o] = clamp01(b0 + g + st + noiseAmp * (draw(s) - 0.5));
      s = advance(s);
      image[o + 1] = clamp01(b1 + g + st + noiseAmp * (draw(s) - 0.5));
      s = advance(s);
      image[o + 2] = clamp01(b2 + g + st + noiseAmp * (draw(s) - 0.5));
      o += 3;
    }
  }
  rng = createRng(s >>> 0);
  const count = 1 + Math.floor(rng() * maxObjects);
  const shapes: Shape[] = [];
  const bgLum = luminance(base);
  for (let k = 0; k < count * 4 && shapes.length < count; k++) {
    const cls = Math.floor(rng() * 3);
    // log-uniform side length so that small objects are common
    const w = Math.round(Math.exp(uniform(rng, Math.log(minSide), Math.log(maxSide))));
    const h = cls === 2 ? Math.max(minSide, Math.round(w * uniform(rng, 0.7, 1.3))) : w;
    if (w > n || h > n) continue;
    const x1 = Math.floor(rng() * (n - w + 1));
    const y1 = Math.floor(rng() * (n - h + 1));
    const cand = { x1, y1, x2: x1 + w, y2: y1 + h };
    // limit occlusion: an earlier shape may not be mostly covered by the new one
    let ok = true;
    for (const s of shapes) {
      const iw = Math.min(s.x2, cand.x2) - Math.max(s.x1, cand.x1);
      const ih = Math.min(s.y2, cand.y2) - Math.max(s.y1, cand.y1);
      if (iw > 0 && ih > 0 && (iw * ih) / ((s.x2 - s.x1) * (s.y2 - s.y1)) > 0.3) ok = false;
      if (iw > 0 && ih > 0 && (iw * ih) / (w * h) > 0.3) ok = false;
    }
    if (!ok) continue;
    let rgb: [number, number, number] = [rng(), rng(), rng()];
    if (Math.abs(luminance(rgb) - bgLum) < 0.25) {
      const d = bgLum > 0.5 ? -0.45 : 0.45;
      rgb = rgb.map((v) => Math.min(1, Math.max(0, v + d))) as [number, number, number];
    }
    shapes.push({ cls, ...cand, rgb });
  }
  // every value is clamped to [0, 1] where it is written (background here, shapes in paint)
  for (const s of shapes) paint(image, n, s, rng);
  const boxes = new Float32Array(shapes.length * 4);
  const classes = new Int32Array(shapes.length);
  shapes.forEach((s, i) => {
    boxes.set([s.x1, s.y1, s.x2, s.y2], i * 4);
    classes[i] = s.cls;
  });
  return { image, boxes, classes };
}

function paint(image: Float32Array, n: number, s: Shape, rng: () => number): void {
  const w = s.x2 - s.x1;
  const h = s.y2 - s.y1;
  const cx = s.x1 + w / 2;
  const cy = s.y1 + h / 2;
  const shade = uniform(rng, 0, 0.04);
  for (let y = s.y1; y < s.y2; y++) {
    for (let x = s.x1; x < s.x2; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside: boolean;
      if (s.cls === 0) {
        const dx = (px - cx) / (w / 2);
        const dy = (py - cy) / (h / 2);
        inside = dx * dx + dy * dy <= 1;
      } else if (s.cls === 1) {
        inside = true;
      } else {
        // upward isoceles triangle filling the box: apex at top centre
        const t = (py - s.y1) / h; // 0 at apex row, 1 at base
        inside = Math.abs(px - cx) <= (t * w) / 2;
      }
      if (!inside) continue;
      const o = (y * n + x) * 3;
      const v = shade * (rng() - 0.5);
      image[o] = clamp01(s.rgb[0] + v);
      image[o + 1] = clamp01(s.rgb[1] + v);
      image[o + 2] = clamp01(s.rgb[2] + v);
    }
  }
}
