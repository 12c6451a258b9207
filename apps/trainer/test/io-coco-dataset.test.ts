import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CocoDatasetOptions, loadCocoDataset } from '../src/io/coco-dataset.js';
import { CocoDatasetError } from '../src/io/errors.js';

let dir: string;
let imagesDir: string;

/** A width x height grey image with filled rectangles [x, y, w, h] in the given colours. */
async function rectsImage(
  width: number,
  height: number,
  rects: { rect: [number, number, number, number]; rgb: [number, number, number] }[],
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const layers = await Promise.all(
    rects.map(async ({ rect: [x, y, w, h], rgb: [r, g, b] }) => ({
      input: await sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
      left: x,
      top: y,
    })),
  );
  const img = sharp({
    create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } },
  }).composite(layers);
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 95 }).toBuffer();
}

function baseInstances() {
  return {
    images: [
      { id: 11, file_name: 'wide.png', width: 200, height: 100 },
      { id: 12, file_name: 'sub/tall.jpg', width: 100, height: 150 },
      { id: 13, file_name: 'empty.png', width: 50, height: 50 },
    ],
    categories: [
      { id: 7, name: 'blue' },
      { id: 3, name: 'red' },
    ],
    annotations: [
      { id: 1, image_id: 11, category_id: 3, bbox: [40, 20, 40, 40], area: 1600, iscrowd: 0 },
      { id: 2, image_id: 12, category_id: 7, bbox: [10, 30, 50, 60], area: 3000, iscrowd: 0 },
      { id: 3, image_id: 11, category_id: 7, bbox: [120, 10, 60, 80], area: 4800, iscrowd: 1 },
    ],
  };
}

async function writeInstances(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const opts = (annotations: string, more: Partial<CocoDatasetOptions> = {}): CocoDatasetOptions => ({
  annotations,
  images: imagesDir,
  imageSize: 64,
  ...more,
});

/** Pixel-edge extent [x1, y1, x2, y2] of pixels whose channel c exceeds the others by 0.3. */
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

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol);
}

/** Returns the given values in turn (then repeats the last). */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burnin-io-coco-'));
  imagesDir = join(dir, 'images');
  await mkdir(join(imagesDir, 'sub'), { recursive: true });
  await writeFile(
    join(imagesDir, 'wide.png'),
    await rectsImage(200, 100, [{ rect: [40, 20, 40, 40], rgb: [255, 0, 0] }], 'png'),
  );
  await writeFile(
    join(imagesDir, 'sub/tall.jpg'),
    await rectsImage(100, 150, [{ rect: [10, 30, 50, 60], rgb: [0, 0, 255] }], 'jpeg'),
  );
  await writeFile(join(imagesDir, 'empty.png'), await rectsImage(50, 50, [], 'png'));
  await writeFile(join(imagesDir, 'corrupt.png'), Buffer.from('definitely not a png'));
  // Stored 40 wide x 20 high, EXIF orientation 6 (displayed 20 x 40).
  await writeFile(
    join(imagesDir, 'rotated.jpg'),
    await sharp(await rectsImage(40, 20, [], 'png'))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer(),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadCocoDataset', () => {
  it('loads, maps categories in file order and boxes into letterboxed input pixels', async () => {
    const ds = await loadCocoDataset(opts(await writeInstances('ok.json', baseInstances())));
    expect(ds.size).toBe(3);
    expect(ds.imageSize).toBe(64);
    expect(ds.classNames).toEqual(['blue', 'red']);
    expect(ds.categoryIds).toEqual([7, 3]);

    const s0 = ds.get(0);
    expect(s0.imageId).toBe(11);
    expect(s0.image.length).toBe(64 * 64 * 3);
    // Crowd annotation skipped; red is class 1.
    expect([...s0.classes]).toEqual([1]);
    const i0 = ds.info(0);
    expect(i0).toMatchObject({
      id: 11,
      fileName: 'wide.png',
      width: 200,
      height: 100,
      padX: 0,
      padY: 16,
    });
    expect(i0.scale).toBeCloseTo(0.32, 12);
    expectClose(s0.boxes, [12.8, 22.4, 25.6, 35.2], 1e-5);
    // The drawn rectangle is where the box says, within 1 px.
    expectClose(colouredExtent(s0.image, 64, 0), s0.boxes, 1);

    const s1 = ds.get(1);
    expect(s1.imageId).toBe(12);
    expect([...s1.classes]).toEqual([0]);
    const i1 = ds.info(1);
    expect(i1.padY).toBe(0);
    expect(i1.padX).toBe(10);
    expectClose(colouredExtent(s1.image, 64, 2), s1.boxes, 1);
    const k = 64 / 150;
    expectClose(s1.boxes, [10 * k + 10, 30 * k, 60 * k + 10, 90 * k], 1e-4);

    // An image without annotations is kept as background.
    const s2 = ds.get(2);
    expect(s2.boxes.length).toBe(0);
    expect(s2.classes.length).toBe(0);

    expect(() => ds.get(3)).toThrow(RangeError);
  });

  it('uses a given classNames order and returns copies (also when caching)', async () => {
    const path = await writeInstances('ok2.json', baseInstances());
    const ds = await loadCocoDataset(
      opts(path, { classNames: ['red', 'blue', 'green'], cacheDecoded: true }),
    );
    expect(ds.classNames).toEqual(['red', 'blue', 'green']);
    expect(ds.categoryIds).toEqual([3, 7, -1]);
    const a = ds.get(0);
    expect([...a.classes]).toEqual([0]);
    a.image.fill(0);
    a.boxes.fill(0);
    const b = ds.get(0);
    expect(b.image[0]).toBe(0.5);
    expect(b.boxes[2]).toBeGreaterThan(20);
  });

  it('flips horizontally: pixels mirror and boxes move to size - x', async () => {
    const ds = await loadCocoDataset(
      opts(await writeInstances('flip.json', baseInstances()), {
        augment: { scaleJitter: [1, 1], translate: false },
      }),
    );
    for (const index of [0, 1]) {
      const plain = ds.get(index);
      const same = ds.get(index, { rng: seq(0.9, 0.5, 0.5, 0.5) });
      expect(same.image).toEqual(plain.image);
      expect(same.boxes).toEqual(plain.boxes);

      const flipped = ds.get(index, { rng: seq(0.1, 0.5, 0.5, 0.5) });
      const { padX, width, scale } = ds.info(index);
      // Content spans [padX, padX + contentW); the right border may be one pixel wider.
      const contentW = Math.round(width * scale);
      const mirror = (x: number) => 2 * padX + contentW - x;
      const { classes, boxes } = plain;
      expect([...flipped.classes]).toEqual([...classes]);
      expectClose(flipped.boxes, [mirror(boxes[2]), boxes[1], mirror(boxes[0]), boxes[3]], 1e-4);
      // Pixels: content row mirrored.
      for (const y of [20, 30, 40]) {
        for (let x = 0; x < contentW; x++) {
          const a = (y * 64 + padX + x) * 3;
          const b = (y * 64 + padX + contentW - 1 - x) * 3;
          expect(flipped.image[a]).toBeCloseTo(plain.image[b], 6);
        }
      }
      expectClose(colouredExtent(flipped.image, 64, index === 0 ? 0 : 2), flipped.boxes, 1);
    }
  });

  it('scale jitter resizes image and boxes together; the rng drives it deterministically', async () => {
    const ds = await loadCocoDataset(
      opts(await writeInstances('scale.json', baseInstances()), {
        augment: { flip: false, scaleJitter: [0.5, 0.5], translate: false },
      }),
    );
    const s = ds.get(0, { rng: seq(0.9, 0.3, 0.5, 0.5) });
    // Content 64x32 -> 32x16, centred at (16, 24).
    expectClose(
      s.boxes,
      [(12.8 - 0) * 0.5 + 16, (22.4 - 16) * 0.5 + 24, 25.6 * 0.5 + 16, (35.2 - 16) * 0.5 + 24],
      1e-4,
    );
    expectClose(colouredExtent(s.image, 64, 0), s.boxes, 1);
    expect(s.image[0]).toBe(0.5);

    const jitter = await loadCocoDataset(opts(await writeInstances('jit.json', baseInstances())));
    const a = jitter.get(1, { rng: mulberry32(5) });
    const b = jitter.get(1, { rng: mulberry32(5) });
    expect(a.image).toEqual(b.image);
    expect(a.boxes).toEqual(b.boxes);
    for (let seed = 1; seed <= 12; seed++) {
      const t = jitter.get(seed % 2, { rng: mulberry32(seed) });
      expect(t.boxes.length).toBe(4);
      for (const v of t.boxes) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(64);
      }
      expectClose(colouredExtent(t.image, 64, seed % 2 === 0 ? 0 : 2), t.boxes, 1.5);
    }
    // Exactly four rng draws per augmented sample.
    let calls = 0;
    jitter.get(0, {
      rng: () => {
        calls++;
        return 0.3;
      },
    });
    expect(calls).toBe(4);
  });

  it('accepts EXIF-rotated images declared in displayed or in stored orientation', async () => {
    for (const [width, height, padX, padY] of [
      [20, 40, 16, 0],
      [40, 20, 0, 16],
    ]) {
      const inst = {
        images: [{ id: 1, file_name: 'rotated.jpg', width, height }],
        categories: [{ id: 1, name: 'thing' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10] }],
      };
      const ds = await loadCocoDataset(opts(await writeInstances(`rot-${width}.json`, inst)));
      expect(ds.info(0)).toMatchObject({ width, height, padX, padY });
    }
  });

  it('clips a box that the crop cuts and drops one it removes', async () => {
    const inst = baseInstances();
    const ds = await loadCocoDataset(
      opts(await writeInstances('crop.json', inst), {
        augment: { flip: false, scaleJitter: [2, 2], translate: true },
      }),
    );
    // Content 64x32 -> 128x64; offset 0 on x keeps the red box [25.6, 12.8, 51.2, 38.4]...
    const keep = ds.get(0, { rng: seq(0.9, 0.5, 0, 0.5) });
    expect(keep.boxes.length).toBe(4);
    expectClose(keep.boxes, [25.6, (22.4 - 16) * 2 + 0, 51.2, (35.2 - 16) * 2 + 0], 1e-4);
    // ...offset -32 cuts it: clipped at x = 0...
    const cut = ds.get(0, { rng: seq(0.9, 0.5, 0.5, 0.5) });
    expectClose(cut.boxes, [0, 12.8, 51.2 - 32, 38.4], 1e-4);
    expectClose(colouredExtent(cut.image, 64, 0), cut.boxes, 1);
    // ...offset -64 moves it off the canvas.
    const drop = ds.get(0, { rng: seq(0.9, 0.5, 1, 0.5) });
    expect(drop.boxes.length).toBe(0);
    expect(drop.classes.length).toBe(0);
  });
});

describe('loadCocoDataset bad input', () => {
  type Mutator = (d: ReturnType<typeof baseInstances>) => unknown;
  const cases: {
    what: string;
    mutate: Mutator;
    entry?: string;
    field?: string;
    message: RegExp;
  }[] = [
    {
      what: 'missing bbox',
      mutate: (d) => {
        delete (d.annotations[1] as Partial<(typeof d.annotations)[1]>).bbox;
        return d;
      },
      entry: 'annotations[1]',
      field: 'bbox',
      message: /4 finite numbers/,
    },
    {
      what: 'negative width',
      mutate: (d) => {
        d.annotations[0].bbox = [40, 20, -5, 10];
        return d;
      },
      entry: 'annotations[0]',
      field: 'bbox',
      message: /width -5/,
    },
    {
      what: 'bbox outside the image',
      mutate: (d) => {
        d.annotations[0].bbox = [180, 20, 40, 40];
        return d;
      },
      entry: 'annotations[0]',
      field: 'bbox',
      message: /outside image 11 \(200x100\)/,
    },
    {
      what: 'unknown category',
      mutate: (d) => {
        d.annotations[1].category_id = 99;
        return d;
      },
      entry: 'annotations[1]',
      field: 'category_id',
      message: /unknown category id 99/,
    },
    {
      what: 'unknown image',
      mutate: (d) => {
        d.annotations[0].image_id = 5;
        return d;
      },
      entry: 'annotations[0]',
      field: 'image_id',
      message: /unknown image id 5/,
    },
    {
      what: 'missing image id',
      mutate: (d) => {
        delete (d.images[2] as Partial<(typeof d.images)[2]>).id;
        return d;
      },
      entry: 'images[2]',
      field: 'id',
      message: /integer/,
    },
    {
      what: 'duplicate image id',
      mutate: (d) => {
        d.images[2].id = 11;
        return d;
      },
      entry: 'images[2]',
      field: 'id',
      message: /duplicate/,
    },
    {
      what: 'bad width',
      mutate: (d) => {
        (d.images[0] as { width: unknown }).width = '200';
        return d;
      },
      entry: 'images[0]',
      field: 'width',
      message: /positive number/,
    },
    {
      what: 'category without name',
      mutate: (d) => {
        (d.categories[1] as { name?: string }).name = undefined;
        return d;
      },
      entry: 'categories[1]',
      field: 'name',
      message: /non-empty string/,
    },
    {
      what: 'bad iscrowd',
      mutate: (d) => {
        d.annotations[0].iscrowd = 2;
        return d;
      },
      entry: 'annotations[0]',
      field: 'iscrowd',
      message: /0 or 1/,
    },
    {
      what: 'image file missing',
      mutate: (d) => {
        d.images[1].file_name = 'nope.png';
        return d;
      },
      entry: 'images[1]',
      field: 'file_name',
      message: /nope\.png: file not found/,
    },
    {
      what: 'image file corrupt',
      mutate: (d) => {
        d.images[2].file_name = 'corrupt.png';
        return d;
      },
      entry: 'images[2]',
      field: 'file_name',
      message: /corrupt\.png/,
    },
    {
      what: 'image not the declared size',
      mutate: (d) => {
        d.images[2].width = 60;
        return d;
      },
      entry: 'images[2]',
      field: 'width',
      message: /is 50x50 but the entry declares 60x50/,
    },
    {
      what: 'no images',
      mutate: (d) => ({ ...d, images: [], annotations: [] }),
      field: 'images',
      message: /empty dataset: no images/,
    },
    {
      what: 'only crowd annotations',
      mutate: (d) => ({ ...d, annotations: [d.annotations[2]] }),
      field: 'annotations',
      message: /empty dataset: no \(non-crowd\) annotations/,
    },
    {
      what: 'missing annotations array',
      mutate: (d) => ({ images: d.images, categories: d.categories }),
      message: /missing top-level field "annotations"/,
    },
    { what: 'not JSON', mutate: () => '{ "images": [', message: /not valid JSON/ },
    {
      what: 'annotation not an object',
      mutate: (d) => ({ ...d, annotations: [5, ...d.annotations] }),
      entry: 'annotations[0]',
      message: /must be an object/,
    },
    {
      what: 'categories not an array',
      mutate: (d) => ({ ...d, categories: {} }),
      message: /top-level field "categories" must be an array/,
    },
    {
      what: 'non-integer image id',
      mutate: (d) => {
        d.images[2].id = 13.5;
        return d;
      },
      entry: 'images[2]',
      field: 'id',
      message: /must be an integer, got 13\.5/,
    },
  ];

  for (const c of cases) {
    it(`${c.what}: CocoDatasetError naming file, entry and field`, async () => {
      const name = `bad-${c.what.replace(/\W+/g, '-')}.json`;
      const path = await writeInstances(name, c.mutate(baseInstances()));
      const err = await loadCocoDataset(opts(path)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CocoDatasetError);
      const e = err as CocoDatasetError;
      expect(e.file).toBe(path);
      expect(e.entry).toBe(c.entry);
      expect(e.field).toBe(c.field);
      expect(e.message).toContain(path);
      if (c.entry) expect(e.message).toContain(c.field ? `${c.entry}.${c.field}` : c.entry);
      expect(e.message).toMatch(c.message);
    });
  }

  it('annotations need no id or area (the trainer does not use them)', async () => {
    const inst = baseInstances();
    const anns = inst.annotations.map(({ id: _, area: __, ...a }) => a);
    const ds = await loadCocoDataset(
      opts(await writeInstances('no-ids.json', { ...inst, annotations: anns })),
    );
    expect(ds.size).toBe(3);
    expect(ds.get(0).classes).toEqual(Int32Array.from([1]));
  });

  it('missing annotation file', async () => {
    const path = join(dir, 'does-not-exist.json');
    await expect(loadCocoDataset(opts(path))).rejects.toThrow(`${path}: file not found`);
  });

  it('category missing from classNames, and bad options', async () => {
    const path = await writeInstances('cls.json', baseInstances());
    const err = await loadCocoDataset(opts(path, { classNames: ['red'] })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(CocoDatasetError);
    expect((err as CocoDatasetError).entry).toBe('categories[0]');
    expect((err as Error).message).toMatch(/"blue" is not one of classNames/);
    await expect(loadCocoDataset(opts(path, { imageSize: 3 }))).rejects.toThrow(/imageSize/);
    await expect(
      loadCocoDataset(opts(path, { augment: { scaleJitter: [1.5, 1] } })),
    ).rejects.toThrow(/scaleJitter/);
  });

  it('accepts a box up to bboxTolerance outside the image and clips it', async () => {
    const inst = baseInstances();
    inst.annotations[0].bbox = [-0.5, 20, 40.5, 80.8];
    const ds = await loadCocoDataset(opts(await writeInstances('tol.json', inst)));
    expectClose(ds.get(0).boxes, [0, 22.4, 12.8, 100 * 0.32 + 16], 1e-4);
    await expect(
      loadCocoDataset(opts(await writeInstances('tol0.json', inst), { bboxTolerance: 0 })),
    ).rejects.toThrow(/outside image/);
  });
});
