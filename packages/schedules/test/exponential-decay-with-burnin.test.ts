import { describe, expect, it } from 'vitest';
import { exponentialDecayWithBurnin } from '../src/index.js';

describe('exponentialDecayWithBurnin', () => {
  it('matches the TF OD API learning_schedules_test vector', () => {
    // object_detection/utils/learning_schedules_test.py: testExponentialDecayWithBurnin
    const s = exponentialDecayWithBurnin({
      learningRateBase: 1.0,
      learningRateDecaySteps: 3,
      learningRateDecayFactor: 0.1,
      burninLearningRate: 0.5,
      burninSteps: 2,
      minLearningRate: 0.05,
    });
    const expected = [0.5, 0.5, 1, 1, 1, 0.1, 0.1, 0.1, 0.05];
    for (const [i, v] of expected.entries()) expect(s(i)).toBeCloseTo(v, 12);
  });
});
