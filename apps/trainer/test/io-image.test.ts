import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageArgumentError, ImageDecodeError } from '../src/io/errors.js';
import {
  decodeImageToInput,
  decodeOriginal,
  drawDetections,
  drawDetectionsRgb,
  encodePng,
  LETTERBOX_PAD,
} from '../src/io/image.js';

let dir: string;

/** A width x height grey image with one filled rectangle [x, y, w, h] of the given colour. */
async function rectImage(
  width: number,
  height: number,
  rect: [number, number, number, number],
  rgb: [number, number, number],
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const [x, y, w, h] = rect;
  const overlay = await sharp({
    create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .png()
    .toBuffer();
  const img = sharp({
    create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } },
  }).composite([{ input: overlay, left: x, top: y }]);
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

/** Bounding box [x1, y1, x2, y2] (pixel edges) of pixels whose channel c exceeds the others by 0.3. */
function colouredExtent(image: Float32Array, size: number, c: number): number[] {
  let x1 = size;
  let y1 = size;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3;
      const others = [0, 1, 2].filter((k) => k !== c).map((k) => image[p + k]);
      if (image[p + c] - Math.max(...others) > 0.3) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return [x1, y1, x2, y2];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burnin-io-image-'));
  await writeFile(
    join(dir, 'wide.png'),
    await rectImage(200, 100, [40, 20, 40, 40], [255, 0, 0], 'png'),
  );
  await writeFile(
    join(dir, 'tall.jpg'),
    await rectImage(60, 120, [10, 30, 30, 60], [0, 0, 255], 'jpeg'),
  );
  await writeFile(join(dir, 'garbage.png'), Buffer.from('this is not an image at all'));
  const jpeg = await rectImage(64, 64, [0, 0, 8, 8], [0, 255, 0], 'jpeg');
  await writeFile(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  // Stored 40 wide x 20 high with EXIF orientation 6 (rotate 90 degrees clockwise to display).
  const stored = await sharp({
    create: { width: 40, height: 20, channels: 3, background: { r: 128, g: 128, b: 128 } },
  })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  await writeFile(join(dir, 'rotated.jpg'), stored);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decodeImageToInput', () => {
  it('letterboxes a wide PNG: grey bars top and bottom, box maps by scale and pad', async () => {
    const size = 64;
    const r = await decodeImageToInput(join(dir, 'wide.png'), size);
    expect(r.width).toBe(200);
    expect(r.height).toBe(100);
    expect(r.scale).toBeCloseTo(64 / 200, 12);
    expect(r.padX).toBe(0);
    expect(r.padY).toBe(16);
    expect(r.image.length).toBe(size * size * 3);
    // Border rows are exactly the pad value.
    for (const y of [0, 15, 48, 63]) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) expect(r.image[(y * size + x) * 3 + c]).toBe(LETTERBOX_PAD);
      }
    }
    // Content grey is 128/255.
    expect(r.image[(30 * size + 50) * 3]).toBeCloseTo(128 / 255, 2);
    // The red rectangle [40, 20, 80, 60] lands at x * scale + pad, within 1 px.
    const expected = [
      40 * r.scale + r.padX,
      20 * r.scale + r.padY,
      80 * r.scale + r.padX,
      60 * r.scale + r.padY,
    ];
    const got = colouredExtent(r.image, size, 0);
    for (let k = 0; k < 4; k++) expect(Math.abs(got[k] - expected[k])).toBeLessThanOrEqual(1);
  });

  it('letterboxes a tall JPEG: grey bars left and right', async () => {
    const size = 48;
    const r = await decodeImageToInput(join(dir, 'tall.jpg'), size);
    expect([r.width, r.height]).toEqual([60, 120]);
    expect(r.scale).toBeCloseTo(48 / 120, 12);
    expect(r.padY).toBe(0);
    expect(r.padX).toBe(12);
    expect(r.image[(10 * size + 0) * 3 + 2]).toBe(LETTERBOX_PAD);
    const expected = [10 * r.scale + r.padX, 30 * r.scale, 40 * r.scale + r.padX, 90 * r.scale];
    const got = colouredExtent(r.image, size, 2);
    for (let k = 0; k < 4; k++) expect(Math.abs(got[k] - expected[k])).toBeLessThanOrEqual(1);
  });

  it('applies the EXIF orientation by default, and not when asked', async () => {
    const shown = await decodeImageToInput(join(dir, 'rotated.jpg'), 32);
    expect([shown.width, shown.height]).toEqual([20, 40]);
    expect(shown.padX).toBe(8);
    const stored = await decodeImageToInput(join(dir, 'rotated.jpg'), 32, { autoOrient: false });
    expect([stored.width, stored.height]).toEqual([40, 20]);
    expect(stored.padY).toBe(8);
  });

  it('throws ImageDecodeError naming the file when missing, not an image, or truncated', async () => {
    for (const name of ['missing.png', 'garbage.png', 'truncated.jpg']) {
      const path = join(dir, name);
      const err = await decodeImageToInput(path, 32).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageDecodeError);
      expect((err as ImageDecodeError).file).toBe(path);
      expect((err as Error).message).toContain(path);
    }
    const missing = await decodeImageToInput(join(dir, 'missing.png'), 32).catch((e: Error) => e);
    expect((missing as ImageDecodeError).reason).toBe('file not found');
  });

  it('rejects a bad size', async () => {
    await expect(decodeImageToInput(join(dir, 'wide.png'), 0)).rejects.toBeInstanceOf(
      ImageArgumentError,
    );
    await expect(decodeImageToInput(join(dir, 'wide.png'), 2.5)).rejects.toThrow(/size/);
  });
});

describe('encodePng', () => {
  it('round-trips values to round(v * 255), saturating outside [0, 1]', async () => {
    const size = 5;
    const image = new Float32Array(size * size * 3);
    for (let i = 0; i < image.length; i++) image[i] = (i % 17) / 16;
    image[0] = -0.5;
    image[1] = 1.5;
    const png = await encodePng(image, size);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([5, 5, 3]);
    expect(data[0]).toBe(0);
    expect(data[1]).toBe(255);
    for (let i = 2; i < image.length; i++) expect(data[i]).toBe(Math.round(image[i] * 255));
  });

  it('rejects a wrong length and NaN', async () => {
    await expect(encodePng(new Float32Array(10), 2)).rejects.toBeInstanceOf(ImageArgumentError);
    const nan = new Float32Array(12);
    nan[7] = Number.NaN;
    await expect(encodePng(nan, 2)).rejects.toThrow(/index 7 is NaN/);
  });
});

describe('drawDetections', () => {
  const size = 64;
  const grey = new Float32Array(size * size * 3).fill(0.5);

  async function pixels(png: Buffer): Promise<(x: number, y: number) => number[]> {
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([size, size, 3]);
    return (x, y) => [...data.subarray((y * size + x) * 3, (y * size + x) * 3 + 3)];
  }

  it('draws each box outline in its colour and leaves the inside untouched', async () => {
    const boxes = [10, 20, 40, 50, 30.6, 5.2, 60.1, 18.9];
    const png = await drawDetections(grey, size, boxes, ['', ''], ['#ff0000', '#00ff00']);
    const at = await pixels(png);
    // Box 0: edges at x = 10 and 39, y = 20 and 49.
    for (const [x, y] of [
      [10, 35],
      [39, 35],
      [25, 20],
      [25, 49],
    ]) {
      expect(at(x, y)).toEqual([255, 0, 0]);
    }
    expect(at(25, 35)).toEqual([128, 128, 128]);
    expect(at(9, 35)).toEqual([128, 128, 128]);
    expect(at(40, 35)).toEqual([128, 128, 128]);
    // Box 1, fractional: outline covers floor(x1) .. ceil(x2) - 1.
    expect(at(30, 12)).toEqual([0, 255, 0]);
    expect(at(60, 12)).toEqual([0, 255, 0]);
    expect(at(45, 5)).toEqual([0, 255, 0]);
    expect(at(45, 18)).toEqual([0, 255, 0]);
    expect(at(45, 12)).toEqual([128, 128, 128]);
  });

  it('draws a label tag in the box colour above the box', async () => {
    const png = await drawDetections(grey, size, [20, 30, 50, 60], ['circle 0.93'], ['#0000ff']);
    const at = await pixels(png);
    let tagPixels = 0;
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < size; x++) {
        const [r, g, b] = at(x, y);
        if (b > 200 && r < 60 && g < 60) tagPixels++;
      }
    }
    expect(tagPixels).toBeGreaterThan(20);
  });

  it('uses default colours and clips boxes that leave the image', async () => {
    const png = await drawDetections(grey, size, [-10, -10, 20, 20], ['x']);
    const at = await pixels(png);
    expect(at(19, 10)).toEqual([0xe6, 0x19, 0x4b]);
  });

  it('rejects mismatched labels, colours, boxes and non-finite coordinates', async () => {
    await expect(drawDetections(grey, size, [1, 2, 3], [])).rejects.toThrow(/multiple of 4/);
    await expect(drawDetections(grey, size, [1, 2, 3, 4], [])).rejects.toThrow(/labels/);
    await expect(drawDetections(grey, size, [1, 2, 3, 4], ['a'], ['red'])).rejects.toThrow(
      /#rrggbb/,
    );
    await expect(drawDetections(grey, size, [1, Number.NaN, 3, 4], ['a'])).rejects.toBeInstanceOf(
      ImageArgumentError,
    );
  });
});

describe('decodeOriginal and drawDetectionsRgb (any width x height)', () => {
  it('decodes at the original size, EXIF orientation applied like decodeImageToInput', async () => {
    const wide = await decodeOriginal(join(dir, 'wide.png'));
    expect([wide.width, wide.height, wide.pixels.length]).toEqual([200, 100, 200 * 100 * 3]);
    const at = (x: number, y: number) => [
      ...wide.pixels.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3),
    ];
    expect(at(50, 30)).toEqual([255, 0, 0]);
    expect(at(10, 10)).toEqual([128, 128, 128]);
    const shown = await decodeOriginal(join(dir, 'rotated.jpg'));
    expect([shown.width, shown.height]).toEqual([20, 40]);
    const stored = await decodeOriginal(join(dir, 'rotated.jpg'), { autoOrient: false });
    expect([stored.width, stored.height]).toEqual([40, 20]);
    await expect(decodeOriginal(join(dir, 'garbage.png'))).rejects.toBeInstanceOf(ImageDecodeError);
  });

  it('draws on a non-square image at its own size, at the given pixel coordinates', async () => {
    const width = 90;
    const height = 40;
    const image = { pixels: new Uint8Array(width * height * 3).fill(128), width, height };
    const png = await drawDetectionsRgb(
      image,
      [60, 10, 85, 35, 2.5, 3.5, 20, 30],
      ['', ''],
      ['#ff0000', '#00ff00'],
    );
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([width, height, 3]);
    const at = (x: number, y: number) => [
      ...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3),
    ];
    // box 0: x 60..84, y 10..34 (beyond the square a height-sized canvas would allow)
    for (const [x, y] of [
      [60, 20],
      [84, 20],
      [70, 10],
      [70, 34],
    ])
      expect(at(x, y)).toEqual([255, 0, 0]);
    expect(at(70, 20)).toEqual([128, 128, 128]);
    expect(at(86, 20)).toEqual([128, 128, 128]);
    // box 1, fractional: floor(x1) = 2, floor(y1) = 3
    expect(at(2, 3)).toEqual([0, 255, 0]);
    expect(at(19, 29)).toEqual([0, 255, 0]);
    expect(at(10, 15)).toEqual([128, 128, 128]);
    // the input is not modified
    expect(image.pixels.every((v) => v === 128)).toBe(true);
  });

  it('rejects a pixel buffer that does not match width x height', async () => {
    const bad = { pixels: new Uint8Array(10), width: 4, height: 4 };
    await expect(drawDetectionsRgb(bad, [], [])).rejects.toThrow(
      /pixels: expected width\*height\*3 = 48/,
    );
    const zero = { pixels: new Uint8Array(0), width: 0, height: 4 };
    await expect(drawDetectionsRgb(zero, [], [])).rejects.toBeInstanceOf(ImageArgumentError);
  });
});
