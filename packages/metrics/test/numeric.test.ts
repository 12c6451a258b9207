import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { linspace, numpySum, pythonFixed } from '../src/numeric.js';

const fixture: { cases: { values: number[]; sum: number; mean: number }[] } = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'numpy-sum.json'), 'utf8'),
);

describe('numeric helpers', () => {
  it('numpySum reproduces np.sum / np.mean bit for bit (pairwise summation)', () => {
    for (const { values, sum, mean } of fixture.cases) {
      expect(numpySum(values)).toBe(sum);
      expect(numpySum(values) / values.length).toBe(mean);
    }
  });

  it('linspace matches numpy values', () => {
    // np.linspace(0, 1, 101)[69] == 0.6900000000000001; np.linspace(.5, .95, 10)[8].
    expect(linspace(0, 1, 101)[69]).toBe(0.6900000000000001);
    expect(linspace(0.5, 0.95, 10)[8]).toBe(0.8999999999999999);
    expect(linspace(2, 3, 1)).toEqual([2]);
  });

  it('pythonFixed matches Python format(x, ".Nf")', () => {
    // Python: format(0.125, '.2f') == '0.12', format(0.375, '.2f') == '0.38',
    // format(2.675, '.2f') == '2.67', format(-0.0, '.3f') == '-0.000'.
    expect(pythonFixed(0.125, 2)).toBe('0.12');
    expect(pythonFixed(0.375, 2)).toBe('0.38');
    expect(pythonFixed(2.675, 2)).toBe('2.67');
    expect(pythonFixed(-0, 3)).toBe('-0.000');
    expect(pythonFixed(-1, 3)).toBe('-1.000');
    expect(pythonFixed(Number.NaN, 3)).toBe('nan');
  });
});
