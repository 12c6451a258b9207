import { describe, expect, it } from 'vitest';
import {
  fromJSON,
  registerLambda,
  ScheduleOptionError,
  ScheduleSerializationError,
  ScheduleStepError,
  tfod,
  toJSON,
  torch,
} from '../src/index.js';

describe('user functions and serialization', () => {
  it('toJSON throws a ScheduleSerializationError naming the option of an unregistered function', () => {
    const s = torch.lambdaLR({ lr: 0.1, lrLambda: (e) => 0.9 ** e });
    expect(s(2)).toBeCloseTo(0.1 * 0.81, 15);
    expect(() => toJSON(s)).toThrow(ScheduleSerializationError);
    expect(() => toJSON(s)).toThrow(/lrLambda/);
    const nested = torch.sequentialLR({
      schedulers: [
        torch.constantLR({ lr: 0.1 }),
        torch.cyclicLR({ baseLr: 0.1, maxLr: 1, scaleFn: (x) => 1 / x }),
      ],
      milestones: [5],
    });
    try {
      toJSON(nested);
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleSerializationError);
      expect(e).toBeInstanceOf(ScheduleOptionError);
      expect((e as ScheduleSerializationError).option).toBe(
        'options.schedulers[1].options.scaleFn',
      );
    }
  });

  it('a function registered by name round-trips (passed as the function or as its name)', () => {
    const fn = (e: number) => Math.min(1, (e + 1) / 100);
    registerLambda('test.warmup', fn);
    for (const lrLambda of [fn, 'test.warmup']) {
      const s = torch.lambdaLR({ lr: 0.1, lrLambda });
      const spec = toJSON(s);
      expect(spec).toEqual({
        type: 'torch.lambdaLR',
        options: { lr: 0.1, lrLambda: 'test.warmup' },
      });
      const back = fromJSON(JSON.parse(JSON.stringify(spec)));
      expect([0, 5, 500].map(back)).toEqual([0, 5, 500].map(s));
    }
    expect(() => torch.lambdaLR({ lr: 0.1, lrLambda: 'nope' })).toThrow(/registerLambda/);
    expect(() => registerLambda('bad name', fn)).toThrow(ScheduleOptionError);
  });

  it('multiplicativeLR multiplies from epoch 1 on, in any evaluation order', () => {
    const calls: number[] = [];
    const s = torch.multiplicativeLR({
      lr: 1,
      lrLambda: (e) => {
        calls.push(e);
        return 0.5;
      },
    });
    expect(s(0)).toBe(1);
    expect(calls).toEqual([]);
    expect(s(3)).toBe(0.125);
    expect(calls).toEqual([1, 2, 3]);
    expect(s(1)).toBe(0.5);
    expect(s(3.7)).toBe(0.125);
  });

  it('chainedScheduler multiplies the chained factors; only chainable torch schedules', () => {
    const s = torch.chainedScheduler([
      torch.constantLR({ lr: 0.05, factor: 0.1, totalIters: 2 }),
      torch.exponentialLR({ lr: 0.05, gamma: 0.9 }),
    ]);
    expect([0, 1, 2].map(s).map((x) => +x.toPrecision(12))).toEqual([0.005, 0.0045, 0.0405]);
    expect(() => torch.chainedScheduler([torch.cosineAnnealingLR({ lr: 1, tMax: 3 })])).toThrow(
      ScheduleOptionError,
    );
    expect(() =>
      torch.chainedScheduler([
        torch.stepLR({ lr: 1, stepSize: 2 }),
        torch.stepLR({ lr: 2, stepSize: 2 }),
      ]),
    ).toThrow(/same lr/);
  });
});

describe('issue 16 edge cases', () => {
  it('torch ConstantLR: totalIters 0 keeps the factor; factor 0 raises at totalIters', () => {
    expect(torch.constantLR({ lr: 1, factor: 0.5, totalIters: 0 })(100)).toBe(0.5);
    const z = torch.constantLR({ lr: 1, factor: 0, totalIters: 3 });
    expect([0, 1, 2].map(z)).toEqual([0, 0, 0]);
    expect(() => z(3)).toThrow(ScheduleStepError);
  });

  it('torch OneCycleLR pctStart 1: values up to totalSteps - 1, then torch raises', () => {
    const s = torch.oneCycleLR({ maxLr: 1, totalSteps: 5, pctStart: 1, annealStrategy: 'linear' });
    expect([0, 1, 2, 3, 4].map(s).map((x) => +x.toPrecision(12))).toEqual([
      0.04, 0.28, 0.52, 0.76, 1,
    ]);
    expect(() => s(5)).toThrow(ScheduleStepError);
    // An empty first phase is hit by the constructor's own step: torch raises there.
    expect(() => torch.oneCycleLR({ maxLr: 1, totalSteps: 10, pctStart: 0.1 })).toThrow(/pctStart/);
  });

  it('TF OD warm-up checks', () => {
    const c = tfod.cosineDecayWithWarmup({
      learningRateBase: 0.1,
      totalSteps: 100,
      warmupLearningRate: 0.5,
    });
    expect(c(0)).toBe(0.1);
    const base = {
      learningRateBase: 0.1,
      learningRateDecaySteps: 10,
      learningRateDecayFactor: 0.9,
    };
    expect(() => tfod.exponentialDecayWithWarmup(base)).toThrow(/warmupSteps/);
    expect(() =>
      tfod.exponentialDecayWithWarmup({ ...base, warmupSteps: 5, warmupLearningRate: 0.2 }),
    ).toThrow(/warmupLearningRate/);
  });
});
