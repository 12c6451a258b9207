import { expect, describe as group, it } from 'vitest';
import { describe } from '../src/index.js';

group('describe(value)', () => {
  it('prints numbers, booleans and undefined as JavaScript does', () => {
    expect([Number.NaN, -1e-7, Number.POSITIVE_INFINITY, 0, true, undefined].map(describe)).toEqual(
      ['NaN', '-1e-7', 'Infinity', '0', 'true', 'undefined'],
    );
  });

  it('quotes strings and cuts long ones after 60 characters', () => {
    expect(describe('xy')).toBe('"xy"');
    const long = describe('a'.repeat(100));
    expect(long).toBe(`"${'a'.repeat(60)}…"`);
  });

  it('names bigints, symbols and functions', () => {
    expect(describe(5n)).toBe('5n (a bigint)');
    expect(describe(Symbol('step'))).toBe('Symbol(step) (a symbol)');
    expect(describe(() => 1)).toBe('a function');
  });

  it('prints plain objects and arrays as JSON, non-finite numbers kept, cut after 80', () => {
    expect(describe(null)).toBe('null');
    expect(describe([10, 20, -4, 8])).toBe('[10,20,-4,8]');
    expect(describe({ a: [1, Number.NaN, Number.NEGATIVE_INFINITY] })).toBe(
      '{"a":[1,"NaN","-Infinity"]}',
    );
    const text = describe(Array.from({ length: 100 }, (_, i) => i));
    expect(text.length).toBe(81);
    expect(text.endsWith('…')).toBe(true);
  });

  it('names class instances by their class', () => {
    class Tensor {
      shape = [2];
    }
    expect(describe(new Tensor())).toBe('a Tensor');
    expect(describe(new Error('x'))).toBe('an Error');
    expect(describe(new Map())).toBe('a Map');
  });

  it('never throws: cycles, null-prototype objects, objects that refuse toString', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(describe(cycle)).toBe('[object Object]');
    const bare = Object.create(null);
    bare.x = 1;
    expect(describe(bare)).toBe('{"x":1}');
    const odd = Object.create(null);
    odd.self = odd;
    expect(describe(odd)).toBe('[object Object]');
    expect(describe({ toString: false, valueOf: false })).toBe(
      '{"toString":false,"valueOf":false}',
    );
  });
});
