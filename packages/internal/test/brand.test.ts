import { describe, expect, it } from 'vitest';
import { BURNIN_ERROR, brandError, isBurninError } from '../src/index.js';

class SomeError extends RangeError {
  constructor(message: string) {
    super(message);
    brandError(this);
  }
}

describe('isBurninError', () => {
  it('is true for branded errors, false for everything else', () => {
    expect(isBurninError(new SomeError('x'))).toBe(true);
    for (const other of [new RangeError('x'), new Error('x'), null, undefined, 'x', {}, 1]) {
      expect(isBurninError(other)).toBe(false);
    }
    // a plain object that claims the brand with another value does not count
    expect(isBurninError({ [BURNIN_ERROR]: 'yes' })).toBe(false);
  });

  it('uses a registered symbol, so every inlined copy recognises the others', () => {
    expect(BURNIN_ERROR).toBe(Symbol.for('@burnin/error'));
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('@burnin/error'), { value: true });
    expect(isBurninError(foreign)).toBe(true);
  });

  it('the brand is not enumerable: it does not show in JSON or Object.keys', () => {
    const e = new SomeError('x');
    expect(Object.keys(e)).toEqual([]);
    expect(e.message).toBe('x');
    expect(e).toBeInstanceOf(RangeError);
  });
});
