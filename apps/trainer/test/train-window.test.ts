import { describe, expect, it } from 'vitest';
import { Window } from '../src/train/window.js';

describe('Window', () => {
  it('means the loss and terms and gives images/s over the steps since the last reset', () => {
    const w = new Window(2);
    expect(w.stats()).toBeNull();
    w.add({ loss: 3, terms: [1, 1], ms: 100, images: 8 });
    w.add({ loss: 1, terms: [0.5, 0.25], ms: 300, images: 8 });
    expect(w.size).toBe(2);
    expect(w.stats()).toEqual({ loss: 2, terms: [0.75, 0.625], imagesPerSec: 40, steps: 2 });
    w.reset();
    expect(w.size).toBe(0);
    expect(w.stats()).toBeNull();
    w.add({ loss: 5, terms: [2, 1.5], ms: 50, images: 4 });
    expect(w.stats()).toEqual({ loss: 5, terms: [2, 1.5], imagesPerSec: 80, steps: 1 });
  });

  it('sums in step order: the mean is the running sum / n, bit for bit', () => {
    const losses = [0.1, 0.7, 1e-9, 3.3, 0.2];
    const w = new Window(0);
    let sum = 0;
    for (const l of losses) {
      w.add({ loss: l, terms: [], ms: 1, images: 1 });
      sum += l;
    }
    expect(w.stats()?.loss).toBe(sum / losses.length);
  });

  it('refuses a wrong term count, negative or non-finite times and counts, naming them', () => {
    expect(() => new Window(-1)).toThrow(/termCount must be an integer >= 0, got -1/);
    const w = new Window(2);
    expect(() => w.add({ loss: 1, terms: [1], ms: 1, images: 1 })).toThrow(
      /terms has 1 value\(s\), expected 2/,
    );
    expect(() => w.add({ loss: 1, terms: [1, 1], ms: Number.NaN, images: 1 })).toThrow(
      /ms must be a finite number >= 0, got NaN/,
    );
    expect(() => w.add({ loss: 1, terms: [1, 1], ms: 1, images: -2 })).toThrow(
      /images must be a finite number >= 0, got -2/,
    );
    expect(w.size).toBe(0);
  });
});
