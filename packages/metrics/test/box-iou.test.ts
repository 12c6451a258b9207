import { describe, expect, it } from 'vitest';
import { boxIouXywh } from '../src/index.js';

describe('boxIouXywh', () => {
  it('computes intersection over union', () => {
    expect(boxIouXywh([0, 0, 10, 10], [5, 5, 10, 10])).toBeCloseTo(25 / 175, 15);
    expect(boxIouXywh([0, 0, 10, 10], [20, 20, 5, 5])).toBe(0);
    expect(boxIouXywh([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });
});
