import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  flattenRgba,
  LETTERBOX_PAD,
  LetterboxError,
  letterboxMapping,
  letterboxRgb,
  resizeRgb,
} from '../src/model/letterbox.js';

const ref = JSON.parse(
  readFileSync(new URL('./fixtures/resize-pillow.json', import.meta.url), 'utf8'),
) as {
  width: number;
  height: number;
  cases: { width: number; height: number; pixels: number[] }[];
};

/** The generator's deterministic image (fixtures/gen_resize.py). */
function source(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        out[(y * w + x) * 3 + c] = (x * 7 + y * 13 + c * 29 + ((x * y) % 17) * 11) % 256;
  return out;
}

describe('resizeRgb (the letterbox resampler shared by the trainer and the exported page)', () => {
  const src = source(ref.width, ref.height);
  for (const c of ref.cases) {
    it(`matches Pillow's BILINEAR ${ref.width}x${ref.height} -> ${c.width}x${c.height} within one grey level`, () => {
      const out = resizeRgb(src, ref.width, ref.height, c.width, c.height);
      expect(out.length).toBe(c.pixels.length);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < out.length; i++) {
        const d = Math.abs(out[i] - c.pixels[i]);
        worst = Math.max(worst, d);
        sum += d;
      }
      // Pillow rounds to bytes between its two passes and uses fixed-point weights; we keep
      // float64 between the passes, so a value may differ by one.
      expect(worst).toBeLessThanOrEqual(1);
      expect(sum / out.length).toBeLessThan(0.25);
    });
  }

  it('copies the pixels exactly when the size does not change', () => {
    expect(Array.from(resizeRgb(src, ref.width, ref.height, ref.width, ref.height))).toEqual(
      Array.from(src),
    );
  });

  it('refuses a pixel buffer of the wrong length and bad sizes, naming the argument', () => {
    expect(() => resizeRgb(src, ref.width, ref.height + 1, 4, 4)).toThrow(
      /pixels must hold 2664 bytes, got 2553/,
    );
    expect(() => resizeRgb(src, ref.width, ref.height, 0, 4)).toThrow(LetterboxError);
    expect(() => resizeRgb(src, ref.width, ref.height, 4, 2.5)).toThrow(
      /outHeight must be an integer/,
    );
  });
});

describe('letterboxRgb', () => {
  it('centres the resized image with a grey border and maps x * scale + pad', () => {
    const w = 40;
    const h = 20;
    const px = new Uint8Array(w * h * 3).fill(255);
    const r = letterboxRgb(px, w, h, 32);
    expect(r.scale).toBe(32 / 40);
    expect([r.padX, r.padY, r.width, r.height]).toEqual([0, 8, 40, 20]);
    expect(r.image[(0 * 32 + 5) * 3]).toBe(LETTERBOX_PAD);
    expect(r.image[(7 * 32 + 5) * 3]).toBe(LETTERBOX_PAD);
    expect(r.image[(8 * 32 + 5) * 3]).toBe(1);
    expect(r.image[(23 * 32 + 5) * 3]).toBe(1);
    expect(r.image[(24 * 32 + 5) * 3]).toBe(LETTERBOX_PAD);
    expect(letterboxMapping(20, 40, 32)).toMatchObject({ padX: 8, padY: 0, contentWidth: 16 });
  });
});

describe('flattenRgba', () => {
  it('composites over grey 128: opaque pixels unchanged, transparent ones grey', () => {
    const rgba = new Uint8Array([10, 200, 30, 255, 255, 0, 0, 0, 255, 255, 255, 128]);
    expect(Array.from(flattenRgba(rgba, 3, 1))).toEqual([
      10,
      200,
      30,
      128,
      128,
      128,
      Math.round((255 * 128 + 128 * 127) / 255),
      Math.round((255 * 128 + 128 * 127) / 255),
      Math.round((255 * 128 + 128 * 127) / 255),
    ]);
    expect(() => flattenRgba(rgba, 2, 2)).toThrow(/rgba must hold 16 bytes, got 12/);
  });
});
