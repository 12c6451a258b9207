import { describe, expect, it } from 'vitest';
import { exponentialDecayWithBurnin, ScheduleOptionError, tfod } from '../src/index.js';
import { evalAt, expectClose } from './helpers.js';

// Vectors from object_detection/utils/learning_schedules_test.py (TF2 version).
describe('tfod: upstream learning_schedules_test vectors', () => {
  it('testExponentialDecayWithBurnin', () => {
    const s = exponentialDecayWithBurnin({
      learningRateBase: 1.0,
      learningRateDecaySteps: 3,
      learningRateDecayFactor: 0.1,
      burninLearningRate: 0.5,
      burninSteps: 2,
      minLearningRate: 0.05,
    });
    expectClose(evalAt(s, [0, 1, 2, 3, 4, 5, 6, 7, 8]), [0.5, 0.5, 1, 1, 1, 0.1, 0.1, 0.1, 0.05]);
    expect(tfod.exponentialDecayWithBurnin).toBe(exponentialDecayWithBurnin);
  });

  it('testExponentialDecayWithWarmup', () => {
    const s = tfod.exponentialDecayWithWarmup({
      learningRateBase: 1.0,
      learningRateDecaySteps: 3,
      learningRateDecayFactor: 0.1,
      warmupLearningRate: 0.5,
      warmupSteps: 2,
      minLearningRate: 0.05,
    });
    expectClose(evalAt(s, [0, 1, 2, 3, 4, 5, 6, 7, 8]), [0.5, 0.75, 1, 1, 1, 0.1, 0.1, 0.1, 0.05]);
  });

  it('testCosineDecayWithWarmup and after total steps', () => {
    const s = tfod.cosineDecayWithWarmup({
      learningRateBase: 1.0,
      totalSteps: 100,
      warmupLearningRate: 0.1,
      warmupSteps: 9,
    });
    expectClose(evalAt(s, [0, 4, 8, 9, 100, 101]), [0.1, 0.5, 0.9, 1.0, 0, 0]);
  });

  it('testManualStepping', () => {
    const s = tfod.manualStepping({ boundaries: [2, 3, 7], rates: [1.0, 2.0, 3.0, 4.0] });
    expectClose(
      evalAt(s, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      [1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0],
    );
  });

  it('testManualSteppingWithWarmup', () => {
    const s = tfod.manualStepping({
      boundaries: [4, 6, 8],
      rates: [0.02, 0.1, 0.01, 0.001],
      warmup: true,
    });
    expectClose(
      evalAt(s, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001],
    );
  });

  it('testManualSteppingWithZeroBoundaries', () => {
    const s = tfod.manualStepping({ boundaries: [], rates: [0.01] });
    expectClose(evalAt(s, [0, 1, 2, 3]), [0.01, 0.01, 0.01, 0.01]);
  });
});

describe('tfod: options rejected where TF raises', () => {
  it('cosineDecayWithWarmup: warmup rate above base, total < warmup', () => {
    expect(() =>
      tfod.cosineDecayWithWarmup({
        learningRateBase: 0.1,
        totalSteps: 10,
        warmupLearningRate: 0.2,
        warmupSteps: 2,
      }),
    ).toThrow(ScheduleOptionError);
    // TF checks the warm-up rate only when there is a warm-up.
    const noWarmup = tfod.cosineDecayWithWarmup({
      learningRateBase: 0.1,
      totalSteps: 10,
      warmupLearningRate: 0.2,
    });
    expect(noWarmup(0)).toBe(0.1);
    expect(() =>
      tfod.cosineDecayWithWarmup({ learningRateBase: 0.1, totalSteps: 10, warmupSteps: 11 }),
    ).toThrow(/totalSteps/);
  });

  it('manualStepping: unsorted, zero, non-integer boundaries and wrong rate count', () => {
    const bad = [
      { boundaries: [3, 2], rates: [1, 2, 3] },
      { boundaries: [0, 2], rates: [1, 2, 3] },
      { boundaries: [1.5], rates: [1, 2] },
      { boundaries: [1, 2], rates: [1, 2] },
    ];
    for (const o of bad) expect(() => tfod.manualStepping(o)).toThrow(ScheduleOptionError);
  });

  it('names the option, value and allowed range', () => {
    try {
      exponentialDecayWithBurnin({
        learningRateBase: 1,
        learningRateDecaySteps: 0,
        learningRateDecayFactor: 0.5,
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleOptionError);
      expect(e).toBeInstanceOf(RangeError);
      const err = e as ScheduleOptionError;
      expect(err.option).toBe('learningRateDecaySteps');
      expect(err.value).toBe(0);
      expect(err.allowed).toBe('a finite number > 0');
      expect(err.message).toContain('tfod.exponentialDecayWithBurnin');
    }
  });
});
