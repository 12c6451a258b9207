import { describe, expect, it } from 'vitest';
import { closestOption, optionMessage, unknownOptionMessage } from '../src/index.js';

describe('the option error grammar', () => {
  it('fn: option "x" must be <rule> (got <value>)', () => {
    expect(optionMessage('keras.exponentialDecay', 'decaySteps', 'a finite number > 0', 0)).toBe(
      'keras.exponentialDecay: option "decaySteps" must be a finite number > 0 (got 0)',
    );
    expect(optionMessage('withSchedule', 'per', "one of 'batch', 'epoch'", 'step')).toBe(
      `withSchedule: option "per" must be one of 'batch', 'epoch' (got "step")`,
    );
  });

  it('unknown options: the key, an optional note, the options', () => {
    expect(unknownOptionMessage('f', 'clipnorm', ['a', 'clipNorm'], 'did you mean clipNorm?')).toBe(
      'f: unknown option "clipnorm" (did you mean clipNorm?); the options are a, clipNorm',
    );
    expect(unknownOptionMessage('f', 'beta', ['delta'])).toBe(
      'f: unknown option "beta"; the options are delta',
    );
  });

  it('closestOption: case, underscores and dashes, then hints that name an allowed option', () => {
    const allowed = ['weights', 'fromLogits', 'minDelta'];
    expect(closestOption('from_logits', allowed)).toBe('fromLogits');
    expect(closestOption('min-delta', allowed)).toBe('minDelta');
    expect(closestOption('FROMLOGITS', allowed)).toBe('fromLogits');
    expect(closestOption('sample_weight', allowed, { sample_weight: 'weights' })).toBe('weights');
    expect(closestOption('epsilon', allowed, { epsilon: 'eps' })).toBeUndefined();
    expect(closestOption('toString', allowed, {})).toBeUndefined();
    expect(closestOption('beta', allowed)).toBeUndefined();
  });
});
