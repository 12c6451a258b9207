import { describe, expect, it } from 'vitest';
import {
  fromJSON,
  keras,
  linear,
  ScheduleOptionError,
  ScheduleStepError,
  scheduleTypes,
  tfod,
  toJSON,
  torch,
} from '../src/index.js';
import { lastStep, samples } from './samples.js';

const all = samples();

/** The value at `step`, or the error's name and message. */
function outcome(s: (step: number) => number, step: number): number | string {
  try {
    return s(step);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe('step conventions', () => {
  it('the samples cover every registered schedule type', () => {
    const seen = new Set(all.map((s) => s.spec.type));
    expect(scheduleTypes().filter((t) => !seen.has(t))).toEqual([]);
  });

  it('negative, NaN and infinite steps throw ScheduleStepError (option "step") for every type', () => {
    for (const s of all) {
      for (const step of [
        -1,
        -1e-9,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
      ]) {
        let err: unknown;
        try {
          s(step);
        } catch (e) {
          err = e;
        }
        expect(err, `${s.spec.type} at ${step}`).toBeInstanceOf(ScheduleStepError);
        expect((err as ScheduleStepError).option).toBe('step');
        expect(err).toBeInstanceOf(ScheduleOptionError);
        expect(Object.is((err as ScheduleStepError).value, step)).toBe(true);
      }
    }
  });

  it('step 0 and fractional steps give finite values for every type', () => {
    for (const s of all) {
      for (const step of [0, 0.5, 1.25, 7.75]) {
        if (step > lastStep(s)) continue;
        expect(Number.isFinite(s(step)), `${s.spec.type} at ${step}`).toBe(true);
      }
    }
  });

  it('fractional steps: continuous formulas interpolate, staircases and TF integer steps floor', () => {
    const lin = linear({ from: 0, to: 1, steps: 10 });
    expect(lin(2.5)).toBeCloseTo(0.25, 15);
    const stair = keras.exponentialDecay({
      initialLearningRate: 1,
      decaySteps: 1,
      decayRate: 0.5,
      staircase: true,
    });
    expect(stair(2.9)).toBe(stair(2));
    const manual = tfod.manualStepping({ boundaries: [4], rates: [0, 1], warmup: true });
    expect(manual(2.5)).toBe(manual(2));
    // Keras' piecewise constant switches strictly after the boundary.
    const pc = keras.piecewiseConstantDecay({ boundaries: [10], values: [1, 2] });
    expect([pc(10), pc(10.5)]).toEqual([1, 2]);
  });

  it('past the end: torch OneCycleLR throws like torch, CosineAnnealingLR is periodic', () => {
    const one = torch.oneCycleLR({ maxLr: 1, totalSteps: 10 });
    expect(Number.isFinite(one(10))).toBe(true);
    expect(() => one(10.5)).toThrow(ScheduleStepError);
    const ca = torch.cosineAnnealingLR({ lr: 1, tMax: 5 });
    expect(ca(10)).toBeCloseTo(ca(0), 12);
  });
});

describe('evaluation order', () => {
  it('random-order evaluation equals a fresh schedule per step (caches are invisible)', () => {
    const order = [5000, 3, 999, 0, 1e6, 17, 16, 4096, 2, 1023, 1024, 1025, 250, 7, 123456, 1, 64];
    for (const s of all) {
      for (const step of order) {
        if (step > lastStep(s)) continue;
        const fresh = fromJSON(s.spec);
        // Growing schedules overflow far out: then both throw the same error.
        const a = outcome(s, step);
        const b = outcome(fresh, step);
        if (typeof a === 'number') expect(Object.is(a, b), `${s.spec.type} at ${step}`).toBe(true);
        else expect(b, `${s.spec.type} at ${step}`).toEqual(a);
      }
    }
  });
});

describe('JSON specs', () => {
  it('toJSON -> JSON text -> fromJSON evaluates identically for every sample', () => {
    for (const s of all) {
      const text = JSON.stringify(toJSON(s));
      const back = fromJSON(JSON.parse(text));
      expect(back.spec).toEqual(s.spec);
      for (const step of [0, 1, 2, 3.5, 10, 37, 99, 1000]) {
        if (step > lastStep(s)) continue;
        expect(Object.is(back(step), s(step)), `${s.spec.type} at ${step}`).toBe(true);
      }
    }
  });

  it('specs are frozen plain data', () => {
    const s = linear({ from: 0, to: 1, steps: 10 });
    expect(Object.isFrozen(s.spec)).toBe(true);
    expect(toJSON(s)).toEqual({ type: 'linear', options: { from: 0, to: 1, steps: 10 } });
  });

  it('rejects bad specs with the path of the offending field', () => {
    const bad: [unknown, string][] = [
      [null, 'spec'],
      [{ type: 'nope', options: {} }, 'spec.type'],
      [{ type: 'linear', options: { from: 0, to: 1, steps: 10 }, extra: 1 }, 'spec.extra'],
      [{ type: 'linear', options: [] }, 'spec.options'],
      [{ type: 'linear', options: { from: 0, to: 1, steps: -1 } }, 'steps'],
      [{ type: 'linear', options: { from: 0, to: 1, steps: 1, foo: 2 } }, 'foo'],
      [{ type: 'join', options: { schedules: 'x', boundaries: [] } }, 'spec.options.schedules'],
      [{ type: 'join', options: { schedules: [{ type: 'linear' }], boundaries: [] } }, 'from'],
      [
        { type: 'join', options: { schedules: [{ type: 'zz', options: {} }], boundaries: [] } },
        'spec.options.schedules[0].type',
      ],
      [{ type: 'scale', options: { schedule: 3, factor: 2 } }, 'spec.options.schedule'],
    ];
    for (const [spec, option] of bad) {
      let err: unknown;
      try {
        fromJSON(spec);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(spec)).toBeInstanceOf(ScheduleOptionError);
      expect((err as ScheduleOptionError).option).toBe(option);
    }
  });
});
