import { describe, expect, it } from 'vitest';
import { BURNIN_ERROR, brandErrorClass, isBurninError } from '../src/index.js';

class SomeError extends RangeError {
  static {
    brandErrorClass(SomeError);
  }
}
class SubError extends SomeError {}

describe('isBurninError', () => {
  it('is true for instances of branded classes and their subclasses, false otherwise', () => {
    expect(isBurninError(new SomeError('x'))).toBe(true);
    expect(isBurninError(new SubError('x'))).toBe(true);
    for (const other of [new RangeError('x'), new Error('x'), null, undefined, 'x', {}, 1]) {
      expect(isBurninError(other)).toBe(false);
    }
    // an object that claims the brand with another value does not count
    expect(isBurninError({ [BURNIN_ERROR]: 'yes' })).toBe(false);
  });

  it('uses a registered symbol, so every inlined copy recognises the others', () => {
    expect(BURNIN_ERROR).toBe(Symbol.for('@burnin/error'));
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('@burnin/error'), { value: true });
    expect(isBurninError(foreign)).toBe(true);
  });

  it('the brand is not enumerable and does not change the error', () => {
    const e = new SubError('x');
    expect(Object.keys(e)).toEqual([]);
    expect(JSON.stringify({ ...e })).toBe('{}');
    expect(e.message).toBe('x');
    expect(e).toBeInstanceOf(RangeError);
    expect(isBurninError(new RangeError('x'))).toBe(false);
  });
});
