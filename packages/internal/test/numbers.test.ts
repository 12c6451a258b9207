import { describe, expect, it } from 'vitest';
import { FINITE, NON_NEGATIVE, numberRule, POSITIVE, STEP, UNIT_INTERVAL } from '../src/index.js';

const NOT_NUMBERS = ['1', null, undefined, 1n, [1], {}, true];

describe('number rules', () => {
  it('state their rule in words that complete "must be"', () => {
    expect(FINITE.text).toBe('a finite number');
    expect(NON_NEGATIVE.text).toBe('a finite number >= 0');
    expect(POSITIVE.text).toBe('a finite number > 0');
    expect(UNIT_INTERVAL.text).toBe('a number in [0, 1]');
    expect(STEP.text).toBe('an integer in [0, 2^53)');
    expect(numberRule({ max: 1 }).text).toBe('a finite number <= 1');
    expect(numberRule({ min: 0, max: 0.5, maxOpen: true }).text).toBe('a number in [0, 0.5)');
    expect(numberRule({ min: -3, max: 2, integer: true }).text).toBe('an integer in [-3, 2]');
    expect(numberRule({ min: 1, integer: true }).text).toBe('an integer >= 1');
  });

  it('test the bounds, open and closed', () => {
    expect([0, 1e-300, 5].map(NON_NEGATIVE.test)).toEqual([true, true, true]);
    expect([-1e-300, -0.5].map(NON_NEGATIVE.test)).toEqual([false, false]);
    expect([0, 1e-300].map(POSITIVE.test)).toEqual([false, true]);
    expect([0, 1, 1.0000001, -0.1].map(UNIT_INTERVAL.test)).toEqual([true, true, false, false]);
    const half = numberRule({ min: 0, max: 0.5, maxOpen: true });
    expect([0, 0.4999, 0.5].map(half.test)).toEqual([true, true, false]);
  });

  it('reject NaN, infinities and non-numbers', () => {
    for (const rule of [FINITE, NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, STEP]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, ...NOT_NUMBERS]) {
        expect(rule.test(bad), `${rule.text}: ${String(bad)}`).toBe(false);
      }
    }
    expect(numberRule({ max: 1 }).test(Number.NEGATIVE_INFINITY)).toBe(false);
  });

  it('integers: safe integers only', () => {
    expect([0, 7, 2 ** 53 - 1].map(STEP.test)).toEqual([true, true, true]);
    expect([1.5, -1, 2 ** 53].map(STEP.test)).toEqual([false, false, false]);
  });
});
