import { access, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import {
  flattenRgba,
  LETTERBOX_PAD,
  type LetterboxMapping,
  letterboxMapping,
  placeContent,
  resizeRgb,
} from '../model/letterbox.js';
import { ImageArgumentError, ImageDecodeError } from './errors.js';

export { LETTERBOX_PAD, type LetterboxMapping, letterboxMapping };

/** A decoded, letterboxed image plus the mapping back to original pixels. */
export interface DecodedInput extends LetterboxMapping {
  /** size*size*3 RGB in [0, 1], HWC; border pixels are {@link LETTERBOX_PAD}. */
  image: Float32Array;
}

/** An image resized to its letterboxed content area, still as 8-bit RGB. */
export interface LetterboxedContent extends LetterboxMapping {
  /** contentWidth*contentHeight*3 bytes, RGB, HWC. */
  pixels: Uint8Array;
  contentWidth: number;
  contentHeight: number;
}

export interface DecodeOptions {
  /**
   * Rotate according to the EXIF orientation tag before letterboxing (default
   * true), so boxes map to the image as viewers display it.
   */
  autoOrient?: boolean;
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > 16384) {
    throw new ImageArgumentError('size', `must be an integer in [1, 16384], got ${size}`);
  }
}

async function readImageFile(path: string): Promise<Buffer> {
  try {
    await access(path);
  } catch {
    throw new ImageDecodeError(path, 'file not found');
  }
  try {
    return await readFile(path);
  } catch (err) {
    throw new ImageDecodeError(path, (err as Error).message);
  }
}

/**
 * Decodes image bytes with sharp to 8-bit sRGB at the stored size (rotated by its EXIF
 * orientation unless `autoOrient` is false), then composites alpha over grey with
 * {@link flattenRgba}: the same rule the exported page applies to canvas pixels.
 */
async function decodeRgbBytes(bytes: Buffer, autoOrient: boolean): Promise<RgbImage> {
  let pipeline = sharp(bytes);
  if (autoOrient) pipeline = pipeline.rotate();
  const { data, info } = await pipeline
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`unexpected decoded channels ${info.channels}`);
  if (!info.width || !info.height) throw new Error('image has no pixel dimensions');
  return {
    pixels: flattenRgba(data, info.width, info.height),
    width: info.width,
    height: info.height,
  };
}

/**
 * Decodes an image file (PNG, JPEG, WebP, TIFF, GIF, AVIF, ... whatever sharp
 * reads), converts it to 8-bit sRGB (alpha is composited over grey) and resizes
 * it to its letterbox content area inside a size x size square with the trainer's own
 * resampler ({@link resizeRgb}, shared with the exported page). Throws
 * {@link ImageDecodeError} naming the file when it is missing or not an image.
 */
export async function decodeLetterboxed(
  path: string,
  size: number,
  options: DecodeOptions = {},
): Promise<LetterboxedContent> {
  checkSize(size);
  const bytes = await readImageFile(path);
  let rgb: RgbImage;
  try {
    rgb = await decodeRgbBytes(bytes, options.autoOrient !== false);
  } catch (err) {
    throw new ImageDecodeError(path, (err as Error).message);
  }
  const map = letterboxMapping(rgb.width, rgb.height, size);
  const pixels = resizeRgb(rgb.pixels, rgb.width, rgb.height, map.contentWidth, map.contentHeight);
  return { ...map, pixels };
}

/**
 * Places letterboxed 8-bit content into a new size x size float image in [0, 1]
 * with a {@link LETTERBOX_PAD} grey border.
 */
export function contentToInput(content: LetterboxedContent, size: number): Float32Array {
  return placeContent(content.pixels, content, size);
}

/**
 * Decodes an image file and letterboxes it to size x size (aspect ratio kept,
 * centred, grey 0.5 border). A box in original pixels maps to input pixels as
 * `x * scale + padX`, `y * scale + padY`; invert that to map predictions back.
 * Throws {@link ImageDecodeError} naming the file when it is missing or corrupt.
 */
export async function decodeImageToInput(
  path: string,
  size: number,
  options: DecodeOptions = {},
): Promise<DecodedInput> {
  const content = await decodeLetterboxed(path, size, options);
  const { scale, padX, padY, width, height } = content;
  return { image: contentToInput(content, size), scale, padX, padY, width, height };
}

function checkImage(image: Float32Array, size: number): void {
  checkSize(size);
  if (!(image instanceof Float32Array) || image.length !== size * size * 3) {
    throw new ImageArgumentError(
      'image',
      `expected a Float32Array of size*size*3 = ${size * size * 3} values, got ${image?.length}`,
    );
  }
}

/** Float [0, 1] HWC RGB to bytes; values outside [0, 1] saturate, NaN is rejected. */
function toBytes(image: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(image.length);
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (Number.isNaN(v)) {
      throw new ImageArgumentError('image', `value at index ${i} is NaN`);
    }
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}

/**
 * Encodes a size x size RGB float image (HWC, [0, 1]) as PNG. Values outside
 * [0, 1] saturate to black/white (display only); NaN throws {@link ImageArgumentError}.
 */
export async function encodePng(image: Float32Array, size: number): Promise<Buffer> {
  checkImage(image, size);
  return sharp(toBytes(image), { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** Colours cycled through for boxes when `colors` is not given. */
export const DEFAULT_BOX_COLORS: readonly string[] = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#bfef45',
  '#ffe119',
  '#469990',
];

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;',
  );
}

/** Outline width in pixels used by {@link drawDetections} for a size x size image. */
export function outlineWidth(size: number): number {
  return Math.max(1, Math.round(size / 160));
}

/**
 * Draws box outlines (and a label above each, on a filled tag in the box colour)
 * over a size x size RGB float image and returns a PNG. `boxes` holds n*4
 * values x1, y1, x2, y2 in image pixels; parts outside the image are clipped.
 * `labels[i]` is the text for box i (empty string: no tag). `colors[i]` is a
 * `#rrggbb` colour for box i (default: {@link DEFAULT_BOX_COLORS} cycled).
 * The outline is drawn inside the box, {@link outlineWidth} pixels wide, so the
 * pixel at (floor(x1), floor(y1)) has the box colour.
 */
export async function drawDetections(
  image: Float32Array,
  size: number,
  boxes: ArrayLike<number>,
  labels: string[],
  colors?: string[],
): Promise<Buffer> {
  checkImage(image, size);
  return drawOnRgb(toBytes(image), size, size, boxes, labels, colors);
}

/** An 8-bit RGB image at its stored size. */
export interface RgbImage {
  /** width*height*3 bytes, RGB, HWC. */
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes an image file at its original size to 8-bit sRGB (alpha composited over grey),
 * rotated by its EXIF orientation unless `autoOrient` is false: the same pixels, in the same
 * coordinates, that {@link decodeImageToInput}'s mapping refers to. Throws
 * {@link ImageDecodeError} naming the file when it is missing or not an image.
 */
export async function decodeOriginal(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const bytes = await readImageFile(path);
  try {
    return await decodeRgbBytes(bytes, options.autoOrient !== false);
  } catch (err) {
    throw new ImageDecodeError(path, (err as Error).message);
  }
}

/**
 * {@link drawDetections} on an 8-bit RGB image of any width x height (e.g. from
 * {@link decodeOriginal}); returns a PNG of the same size. Outline width and label size
 * follow max(width, height).
 */
export async function drawDetectionsRgb(
  image: RgbImage,
  boxes: ArrayLike<number>,
  labels: string[],
  colors?: string[],
): Promise<Buffer> {
  const { pixels, width, height } = image;
  for (const [k, v] of [
    ['width', width],
    ['height', height],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new ImageArgumentError(k, `must be a positive integer, got ${v}`);
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height * 3)
    throw new ImageArgumentError(
      'pixels',
      `expected width*height*3 = ${width * height * 3} bytes, got ${pixels?.length}`,
    );
  return drawOnRgb(
    Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength),
    width,
    height,
    boxes,
    labels,
    colors,
  );
}

async function drawOnRgb(
  bytes: Buffer,
  width: number,
  height: number,
  boxes: ArrayLike<number>,
  labels: string[],
  colors?: string[],
): Promise<Buffer> {
  if (boxes.length % 4 !== 0) {
    throw new ImageArgumentError('boxes', `length must be a multiple of 4, got ${boxes.length}`);
  }
  const n = boxes.length / 4;
  if (labels.length !== n) {
    throw new ImageArgumentError(
      'labels',
      `expected ${n} labels (one per box), got ${labels.length}`,
    );
  }
  if (colors !== undefined && colors.length !== n) {
    throw new ImageArgumentError(
      'colors',
      `expected ${n} colours (one per box), got ${colors.length}`,
    );
  }
  const size = Math.max(width, height);
  const stroke = outlineWidth(size);
  const fontSize = Math.max(8, Math.round(size / 32));
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const coords = [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]];
    if (!coords.every(Number.isFinite)) {
      throw new ImageArgumentError(
        'boxes',
        `box ${i} has a non-finite coordinate: [${coords.join(', ')}]`,
      );
    }
    const color = colors?.[i] ?? DEFAULT_BOX_COLORS[i % DEFAULT_BOX_COLORS.length];
    if (!HEX_COLOR.test(color)) {
      throw new ImageArgumentError(
        'colors',
        `colour ${i} must be #rrggbb, got ${JSON.stringify(color)}`,
      );
    }
    const x1 = Math.max(0, Math.floor(Math.min(coords[0], coords[2])));
    const y1 = Math.max(0, Math.floor(Math.min(coords[1], coords[3])));
    const x2 = Math.min(width, Math.ceil(Math.max(coords[0], coords[2])));
    const y2 = Math.min(height, Math.ceil(Math.max(coords[1], coords[3])));
    if (x2 <= x1 || y2 <= y1) continue;
    const w = x2 - x1;
    const h = y2 - y1;
    // Four filled bars (not a stroked rect) so the outline covers whole pixels exactly.
    const t = Math.min(stroke, Math.ceil(w / 2), Math.ceil(h / 2));
    parts.push(
      `<g fill="${color}">`,
      `<rect x="${x1}" y="${y1}" width="${w}" height="${t}"/>`,
      `<rect x="${x1}" y="${y2 - t}" width="${w}" height="${t}"/>`,
      `<rect x="${x1}" y="${y1}" width="${t}" height="${h}"/>`,
      `<rect x="${x2 - t}" y="${y1}" width="${t}" height="${h}"/>`,
      '</g>',
    );
    const text = labels[i];
    if (text) {
      const tagH = fontSize + 2;
      const tagW = Math.ceil(text.length * fontSize * 0.6) + 4;
      const tagY = y1 - tagH >= 0 ? y1 - tagH : y1;
      const tagX = Math.min(x1, Math.max(0, width - tagW));
      parts.push(
        `<rect x="${tagX}" y="${tagY}" width="${tagW}" height="${tagH}" fill="${color}"/>`,
        `<text x="${tagX + 2}" y="${tagY + fontSize - 1}" font-family="DejaVu Sans Mono, monospace" font-size="${fontSize}" fill="#ffffff">${escapeXml(text)}</text>`,
      );
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" shape-rendering="crispEdges">${parts.join('')}</svg>`;
  const { data, info } = await sharp(bytes, {
    raw: { width, height, channels: 3 },
  })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width, height, channels: info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}
