/**
 * Letterboxing of decoded 8-bit images into the square model input, in plain JavaScript (no
 * tfjs, no sharp, no DOM): the trainer (Node, pixels from sharp) and the exported page (pixels
 * from a canvas) run this same code, so the same pixels give the same model input, bit for bit.
 */

/** Value (in [0, 1]) of the grey border that letterboxing adds. */
export const LETTERBOX_PAD = 0.5;
/** Grey (0..255) that transparent pixels are composited over. */
export const ALPHA_BACKGROUND = 128;

/**
 * How an original image was placed into the square model input:
 * `input = original * scale + pad` on each axis (pixels, top-left origin).
 */
export interface LetterboxMapping {
  /** Input pixels per original pixel (`size / max(width, height)`). */
  scale: number;
  /** Left border of the placed image, input pixels. */
  padX: number;
  /** Top border of the placed image, input pixels. */
  padY: number;
  /** Original image width, pixels (after EXIF orientation when that was applied). */
  width: number;
  /** Original image height, pixels. */
  height: number;
}

/** A letterbox mapping plus the size of the resized image inside the square. */
export interface LetterboxLayout extends LetterboxMapping {
  /** Width of the resized image inside the square, input pixels (1..size). */
  contentWidth: number;
  /** Height of the resized image inside the square, input pixels (1..size). */
  contentHeight: number;
}

/** A letterboxed model input plus the mapping back to original pixels. */
export interface LetterboxedInput extends LetterboxMapping {
  /** size*size*3 RGB in [0, 1], HWC; border pixels are {@link LETTERBOX_PAD}. */
  image: Float32Array;
}

/** Bad arguments of the letterbox helpers (a size or a pixel buffer of the wrong length). */
export class LetterboxError extends RangeError {
  override name = 'LetterboxError';
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 65535)
    throw new LetterboxError(`${name} must be an integer in [1, 65535], got ${v}`);
}

function checkPixels(name: string, p: ArrayLike<number>, n: number): void {
  if (p?.length !== n)
    throw new LetterboxError(`${name} must hold ${n} bytes, got ${p?.length ?? 'nothing'}`);
}

/** Scale and padding that fit a width x height image into a size x size square (centred). */
export function letterboxMapping(width: number, height: number, size: number): LetterboxLayout {
  checkDim('width', width);
  checkDim('height', height);
  checkDim('size', size);
  const scale = size / Math.max(width, height);
  const contentWidth = Math.min(size, Math.max(1, Math.round(width * scale)));
  const contentHeight = Math.min(size, Math.max(1, Math.round(height * scale)));
  return {
    scale,
    padX: Math.floor((size - contentWidth) / 2),
    padY: Math.floor((size - contentHeight) / 2),
    width,
    height,
    contentWidth,
    contentHeight,
  };
}

/**
 * RGBA bytes (not premultiplied) to RGB bytes, each pixel composited over
 * {@link ALPHA_BACKGROUND} grey: `round((c * a + 128 * (255 - a)) / 255)`.
 */
export function flattenRgba(rgba: ArrayLike<number>, width: number, height: number): Uint8Array {
  checkDim('width', width);
  checkDim('height', height);
  checkPixels('rgba', rgba, width * height * 4);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    const a = rgba[p + 3];
    const bg = ALPHA_BACKGROUND * (255 - a);
    out[q] = Math.round((rgba[p] * a + bg) / 255);
    out[q + 1] = Math.round((rgba[p + 1] * a + bg) / 255);
    out[q + 2] = Math.round((rgba[p + 2] * a + bg) / 255);
  }
  return out;
}

/** Taps of a 1-D triangle resampling filter from `inSize` to `outSize` samples. */
function triangleTaps(inSize: number, outSize: number) {
  const scale = inSize / outSize;
  // the triangle spans one output pixel on each side: wider than one input pixel when shrinking
  const support = Math.max(1, scale);
  const stride = Math.ceil(2 * support) + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weight = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(inSize, Math.ceil(center + support));
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs(i + 0.5 - center) / support);
      weight[o * stride + i - lo] = w;
      sum += w;
    }
    for (let i = lo; i < hi; i++) weight[o * stride + i - lo] /= sum;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weight, stride };
}

/**
 * Resizes RGB bytes (HWC) to outWidth x outHeight with a separable triangle filter whose
 * support grows with the reduction factor (bilinear when enlarging, area-weighted when
 * shrinking; an unchanged size copies the pixels exactly). Float64 arithmetic, rounded to
 * bytes once at the end, so every JavaScript engine gives the same bytes.
 */
export function resizeRgb(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  for (const [k, v] of [
    ['width', width],
    ['height', height],
    ['outWidth', outWidth],
    ['outHeight', outHeight],
  ] as const)
    checkDim(k, v);
  checkPixels('pixels', pixels, width * height * 3);
  const tx = triangleTaps(width, outWidth);
  const ty = triangleTaps(height, outHeight);
  const rows = new Float64Array(height * outWidth * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outWidth; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      const s = tx.start[x];
      for (let k = 0; k < tx.count[x]; k++) {
        const w = tx.weight[x * tx.stride + k];
        const p = (y * width + s + k) * 3;
        r += pixels[p] * w;
        g += pixels[p + 1] * w;
        b += pixels[p + 2] * w;
      }
      const o = (y * outWidth + x) * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  const out = new Uint8Array(outHeight * outWidth * 3);
  for (let y = 0; y < outHeight; y++) {
    const s = ty.start[y];
    for (let x = 0; x < outWidth; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < ty.count[y]; k++)
          v += rows[((s + k) * outWidth + x) * 3 + c] * ty.weight[y * ty.stride + k];
        out[(y * outWidth + x) * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
      }
    }
  }
  return out;
}

/**
 * Places contentWidth x contentHeight RGB bytes at (padX, padY) into a new size x size float
 * image in [0, 1] (byte / 255) with a {@link LETTERBOX_PAD} grey border.
 */
export function placeContent(
  pixels: ArrayLike<number>,
  layout: Pick<LetterboxLayout, 'contentWidth' | 'contentHeight' | 'padX' | 'padY'>,
  size: number,
): Float32Array {
  const { contentWidth: cw, contentHeight: ch, padX, padY } = layout;
  checkPixels('pixels', pixels, cw * ch * 3);
  const out = new Float32Array(size * size * 3).fill(LETTERBOX_PAD);
  for (let y = 0; y < ch; y++) {
    let src = y * cw * 3;
    let dst = ((y + padY) * size + padX) * 3;
    for (let i = 0; i < cw * 3; i++) out[dst++] = pixels[src++] / 255;
  }
  return out;
}

/**
 * Letterboxes a width x height RGB byte image (HWC) into the size x size model input: resized
 * with {@link resizeRgb} to fit (aspect ratio kept), centred, grey border. A box in original
 * pixels maps to input pixels as `x * scale + padX`, `y * scale + padY`.
 */
export function letterboxRgb(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  size: number,
): LetterboxedInput {
  const layout = letterboxMapping(width, height, size);
  const content = resizeRgb(pixels, width, height, layout.contentWidth, layout.contentHeight);
  const { scale, padX, padY } = layout;
  return { image: placeContent(content, layout, size), scale, padX, padY, width, height };
}
