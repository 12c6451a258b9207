import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { DetectionDataset, Sample } from '../data/types.js';
import { integerId, parseGroundTruth } from './coco-annotations.js';
import { CocoDatasetError, ImageDecodeError } from './errors.js';
import {
  contentToInput,
  decodeLetterboxed,
  LETTERBOX_PAD,
  type LetterboxedContent,
} from './image.js';

export interface CocoAugmentOptions {
  /** Mirror left-right with probability 0.5 (default true). */
  flip?: boolean;
  /**
   * Range [min, max] of the factor applied to the letterboxed image size
   * (default [0.75, 1.25]); 1 means no rescale. Must satisfy 0 < min <= max <= 4.
   */
  scaleJitter?: readonly [number, number];
  /**
   * Place the (rescaled) image at a random position instead of centring it
   * (default true). Above scale 1 this is a random crop.
   */
  translate?: boolean;
}

export interface CocoDatasetOptions {
  /** Path of the COCO `instances.json`. */
  annotations: string;
  /** Folder that `images[].file_name` is relative to. */
  images: string;
  /** Model input size in pixels; images are letterboxed to imageSize x imageSize. */
  imageSize: number;
  /**
   * Class order to use (e.g. a trained model's); every category's `name` must be
   * in it. Default: the `categories` array's names, in its order.
   */
  classNames?: string[];
  /**
   * Keep the float input image of each index after its first un-augmented `get`
   * (12 * imageSize^2 bytes per image) instead of converting from the 8-bit copy
   * every time. Default false.
   */
  cacheDecoded?: boolean;
  /**
   * How far (pixels, original image) a `bbox` may extend outside its image; such
   * boxes are clipped to the image. Further out is an error. Default 1.
   */
  bboxTolerance?: number;
  /** Augmentations that `get(i, { rng })` applies. */
  augment?: CocoAugmentOptions;
  /** Images decoded at once (default 4). */
  concurrency?: number;
}

/** Where one dataset image came from and how it was letterboxed. */
export interface CocoImageInfo {
  /** COCO `images[].id`. */
  id: number;
  fileName: string;
  /** Original width and height in pixels. */
  width: number;
  height: number;
  /** `input = original * scale + pad`, per axis. */
  scale: number;
  padX: number;
  padY: number;
}

export interface CocoDetectionDataset extends DetectionDataset {
  /** Image i's origin and letterbox mapping (to map predictions back to original pixels). */
  info(index: number): CocoImageInfo;
  /** Category id for each class index. */
  readonly categoryIds: readonly number[];
}

interface Entry {
  info: CocoImageInfo;
  content: LetterboxedContent;
  /** Un-augmented boxes in input pixels. */
  boxes: Float32Array;
  classes: Int32Array;
  cached?: Float32Array;
}

function fail(
  file: string,
  entry: string | undefined,
  field: string | undefined,
  reason: string,
): never {
  throw new CocoDatasetError(file, entry, field, reason);
}

function positiveNumber(file: string, entry: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    fail(file, entry, field, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkOptions(o: CocoDatasetOptions): void {
  const bad = (field: string, msg: string): never => {
    throw new CocoDatasetError(o.annotations ?? '<options>', 'options', field, msg);
  };
  if (typeof o.annotations !== 'string' || o.annotations === '')
    bad('annotations', 'must be a path');
  if (typeof o.images !== 'string' || o.images === '') bad('images', 'must be a folder path');
  if (!Number.isInteger(o.imageSize) || o.imageSize < 8 || o.imageSize > 4096) {
    bad('imageSize', `must be an integer in [8, 4096], got ${o.imageSize}`);
  }
  const tol = o.bboxTolerance ?? 1;
  if (!Number.isFinite(tol) || tol < 0) bad('bboxTolerance', `must be >= 0, got ${tol}`);
  const c = o.concurrency ?? 4;
  if (!Number.isInteger(c) || c < 1) bad('concurrency', `must be an integer >= 1, got ${c}`);
  const sj = o.augment?.scaleJitter;
  if (sj !== undefined) {
    const [lo, hi] = sj;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo > 0 && lo <= hi && hi <= 4)) {
      bad('augment.scaleJitter', `must be [min, max] with 0 < min <= max <= 4, got [${lo}, ${hi}]`);
    }
  }
  if (o.classNames !== undefined) {
    if (new Set(o.classNames).size !== o.classNames.length || o.classNames.length === 0) {
      bad('classNames', 'must be a non-empty list of distinct names');
    }
  }
}

async function mapPool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Loads a COCO-format detection dataset: validates `instances.json`, decodes
 * every image up front (sharp), letterboxes it to imageSize x imageSize and maps
 * the boxes (COCO `[x, y, w, h]` in original pixels) to `x1, y1, x2, y2` in
 * input pixels. Crowd annotations (`iscrowd: 1`) are skipped. Class index k is
 * the k-th entry of `categories` (or of `classNames` when given). Images without
 * annotations are kept (pure background).
 *
 * Every problem throws {@link CocoDatasetError} naming the file, the entry (e.g.
 * `annotations[3]`) and the field: unreadable or non-JSON file, missing or
 * mistyped fields, duplicate ids, bbox with a non-positive width or height, bbox
 * outside its image (beyond `bboxTolerance`), unknown `image_id` or
 * `category_id`, an image file that is missing, corrupt or not the declared
 * size, and an empty dataset (no images, no categories or no annotations).
 *
 * `get(i)` returns image i as letterboxed; `get(i, { rng })` applies a flip and
 * scale jitter drawn from exactly four `rng()` calls (see {@link CocoAugmentOptions}),
 * so equal rng sequences give equal samples. Boxes cut by the canvas edge are
 * clipped; a clipped box left with width or height below 2 px or under a quarter
 * of its area is dropped.
 */
export async function loadCocoDataset(options: CocoDatasetOptions): Promise<CocoDetectionDataset> {
  checkOptions(options);
  const file = options.annotations;
  const size = options.imageSize;
  const tol = options.bboxTolerance ?? 1;

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    fail(file, undefined, undefined, code === 'ENOENT' ? 'file not found' : (err as Error).message);
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    fail(file, undefined, undefined, `not valid JSON: ${(err as Error).message}`);
  }
  const gt = parseGroundTruth(file, root);
  if (gt.images.length === 0) fail(file, undefined, 'images', 'empty dataset: no images');
  if (gt.categories.length === 0) fail(file, undefined, 'categories', 'no categories');

  // Categories -> class indices.
  const classNames = options.classNames ? [...options.classNames] : [];
  const catToClass = new Map<number, number>();
  const categoryIds: number[] = options.classNames ? new Array(classNames.length).fill(-1) : [];
  gt.categories.forEach((c, j) => {
    const entry = `categories[${j}]`;
    const id = integerId(file, entry, 'id', c.id);
    if (c.name === '') fail(file, entry, 'name', 'must be a non-empty string');
    let k: number;
    if (options.classNames) {
      k = classNames.indexOf(c.name);
      if (k < 0) {
        fail(
          file,
          entry,
          'name',
          `category "${c.name}" is not one of classNames [${classNames.join(', ')}]`,
        );
      }
      if (categoryIds[k] !== -1) fail(file, entry, 'name', `duplicate category name "${c.name}"`);
      categoryIds[k] = id;
    } else {
      if (classNames.includes(c.name))
        fail(file, entry, 'name', `duplicate category name "${c.name}"`);
      k = classNames.length;
      classNames.push(c.name);
      categoryIds.push(id);
    }
    catToClass.set(id, k);
  });

  // Images.
  const infos: CocoImageInfo[] = [];
  const imageIndex = new Map<number, number>();
  gt.images.forEach((im, i) => {
    const entry = `images[${i}]`;
    const id = integerId(file, entry, 'id', im.id);
    if (typeof im.file_name !== 'string' || im.file_name === '') {
      fail(
        file,
        entry,
        'file_name',
        `must be a non-empty string, got ${JSON.stringify(im.file_name)}`,
      );
    }
    const width = positiveNumber(file, entry, 'width', im.width);
    const height = positiveNumber(file, entry, 'height', im.height);
    imageIndex.set(id, i);
    infos.push({ id, fileName: im.file_name, width, height, scale: 1, padX: 0, padY: 0 });
  });

  // Annotations, in original pixels.
  const perImage: { boxes: number[]; classes: number[] }[] = infos.map(() => ({
    boxes: [],
    classes: [],
  }));
  let used = 0;
  gt.annotations.forEach((a, k) => {
    const entry = `annotations[${k}]`;
    const i = imageIndex.get(integerId(file, entry, 'image_id', a.image_id)) as number;
    const cls = catToClass.get(integerId(file, entry, 'category_id', a.category_id)) as number;
    const [x, y, w, h] = a.bbox;
    if (w <= 0 || h <= 0) {
      fail(file, entry, 'bbox', `width and height must be > 0, got width ${w}, height ${h}`);
    }
    const { width, height } = infos[i];
    if (x < -tol || y < -tol || x + w > width + tol || y + h > height + tol) {
      fail(
        file,
        entry,
        'bbox',
        `[${x}, ${y}, ${w}, ${h}] lies outside image ${a.image_id} (${width}x${height}) by more than ${tol} px`,
      );
    }
    if (a.iscrowd === 1) return;
    const x1 = Math.max(0, x);
    const y1 = Math.max(0, y);
    const x2 = Math.min(width, x + w);
    const y2 = Math.min(height, y + h);
    perImage[i].boxes.push(x1, y1, x2, y2);
    perImage[i].classes.push(cls);
    used++;
  });
  if (used === 0) fail(file, undefined, 'annotations', 'empty dataset: no (non-crowd) annotations');

  // Decode every image up front.
  const imagesDir = options.images;
  const entries = await mapPool(
    infos,
    options.concurrency ?? 4,
    async (info, i): Promise<Entry> => {
      const path = resolve(imagesDir, info.fileName);
      const entry = `images[${i}]`;
      let content: LetterboxedContent;
      try {
        content = await decodeLetterboxed(path, size);
        if (content.width !== info.width || content.height !== info.height) {
          // EXIF orientation may disagree with the declared size; try the stored orientation.
          if (content.width === info.height && content.height === info.width) {
            content = await decodeLetterboxed(path, size, { autoOrient: false });
          }
        }
      } catch (err) {
        if (err instanceof ImageDecodeError) {
          fail(file, entry, 'file_name', `cannot read image ${path}: ${err.reason}`);
        }
        throw err;
      }
      if (content.width !== info.width || content.height !== info.height) {
        fail(
          file,
          entry,
          'width',
          `image ${path} is ${content.width}x${content.height} but the entry declares ${info.width}x${info.height}`,
        );
      }
      info.scale = content.scale;
      info.padX = content.padX;
      info.padY = content.padY;
      const src = perImage[i].boxes;
      const boxes = new Float32Array(src.length);
      for (let b = 0; b < src.length; b += 2) {
        boxes[b] = src[b] * content.scale + content.padX;
        boxes[b + 1] = src[b + 1] * content.scale + content.padY;
      }
      return { info, content, boxes, classes: Int32Array.from(perImage[i].classes) };
    },
  );

  const aug = {
    flip: options.augment?.flip ?? true,
    scaleJitter: options.augment?.scaleJitter ?? ([0.75, 1.25] as const),
    translate: options.augment?.translate ?? true,
  };
  const cache = options.cacheDecoded ?? false;

  const checkIndex = (index: number): Entry => {
    if (!Number.isInteger(index) || index < 0 || index >= entries.length) {
      throw new RangeError(`index must be an integer in [0, ${entries.length - 1}], got ${index}`);
    }
    return entries[index];
  };

  return {
    name: `coco:${basename(file)}`,
    size: entries.length,
    imageSize: size,
    classNames,
    categoryIds,
    info: (index) => ({ ...checkIndex(index).info }),
    get(index, augment): Sample {
      const e = checkIndex(index);
      if (!augment) {
        let image: Float32Array;
        if (cache) {
          e.cached ??= contentToInput(e.content, size);
          image = e.cached.slice();
        } else {
          image = contentToInput(e.content, size);
        }
        return { imageId: e.info.id, image, boxes: e.boxes.slice(), classes: e.classes.slice() };
      }
      return augmentSample(e, size, aug, augment.rng);
    },
  };
}

/**
 * Flip + rescale + placement of one entry. Draws exactly four rng values:
 * flip, scale, x offset, y offset.
 */
function augmentSample(
  e: Entry,
  size: number,
  aug: { flip: boolean; scaleJitter: readonly [number, number]; translate: boolean },
  rng: () => number,
): Sample {
  const uFlip = rng();
  const uScale = rng();
  const uX = rng();
  const uY = rng();
  const flip = aug.flip && uFlip < 0.5;
  const [lo, hi] = aug.scaleJitter;
  const s = lo + (hi - lo) * uScale;
  const { pixels, contentWidth: cw, contentHeight: ch, padX, padY } = e.content;
  const nw = Math.max(1, Math.round(cw * s));
  const nh = Math.max(1, Math.round(ch * s));
  const place = (slack: number, u: number) =>
    aug.translate ? Math.round(slack * Math.min(1, Math.max(0, u))) : Math.floor(slack / 2);
  // slack < 0 means the rescaled image is larger than the canvas: offset is negative (crop).
  const offX = place(size - nw, uX);
  const offY = place(size - nh, uY);

  const image = new Float32Array(size * size * 3).fill(LETTERBOX_PAD);
  const fx = cw / nw;
  const fy = ch / nh;
  const x0 = Math.max(0, offX);
  const x1 = Math.min(size, offX + nw);
  const y0 = Math.max(0, offY);
  const y1 = Math.min(size, offY + nh);
  for (let Y = y0; Y < y1; Y++) {
    const sy = Math.min(ch - 1, Math.max(0, (Y - offY + 0.5) * fy - 0.5));
    const ya = Math.floor(sy);
    const yb = Math.min(ch - 1, ya + 1);
    const wy = sy - ya;
    for (let X = x0; X < x1; X++) {
      let cx = X - offX;
      if (flip) cx = nw - 1 - cx;
      const sx = Math.min(cw - 1, Math.max(0, (cx + 0.5) * fx - 0.5));
      const xa = Math.floor(sx);
      const xb = Math.min(cw - 1, xa + 1);
      const wx = sx - xa;
      const p00 = (ya * cw + xa) * 3;
      const p01 = (ya * cw + xb) * 3;
      const p10 = (yb * cw + xa) * 3;
      const p11 = (yb * cw + xb) * 3;
      const o = (Y * size + X) * 3;
      for (let c = 0; c < 3; c++) {
        const top = pixels[p00 + c] + (pixels[p01 + c] - pixels[p00 + c]) * wx;
        const bot = pixels[p10 + c] + (pixels[p11 + c] - pixels[p10 + c]) * wx;
        image[o + c] = (top + (bot - top) * wy) / 255;
      }
    }
  }

  const boxes: number[] = [];
  const classes: number[] = [];
  const sx = nw / cw;
  const sy = nh / ch;
  for (let b = 0; b < e.classes.length; b++) {
    let bx1 = (e.boxes[b * 4] - padX) * sx;
    let bx2 = (e.boxes[b * 4 + 2] - padX) * sx;
    if (flip) [bx1, bx2] = [nw - bx2, nw - bx1];
    bx1 += offX;
    bx2 += offX;
    const by1 = (e.boxes[b * 4 + 1] - padY) * sy + offY;
    const by2 = (e.boxes[b * 4 + 3] - padY) * sy + offY;
    const cx1 = Math.max(0, bx1);
    const cy1 = Math.max(0, by1);
    const cx2 = Math.min(size, bx2);
    const cy2 = Math.min(size, by2);
    const cwid = cx2 - cx1;
    const chei = cy2 - cy1;
    const clipped = cx1 !== bx1 || cy1 !== by1 || cx2 !== bx2 || cy2 !== by2;
    if (clipped && (cwid < 2 || chei < 2 || cwid * chei < 0.25 * (bx2 - bx1) * (by2 - by1))) {
      continue;
    }
    boxes.push(cx1, cy1, cx2, cy2);
    classes.push(e.classes[b]);
  }
  return {
    imageId: e.info.id,
    image,
    boxes: Float32Array.from(boxes),
    classes: Int32Array.from(classes),
  };
}
