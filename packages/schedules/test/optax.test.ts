import { describe, expect, it } from 'vitest';
import { optax, ScheduleOptionError } from '../src/index.js';
import { evalAt, expectClose } from './helpers.js';

// Ported from optax/schedules/_schedule_test.py.
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const atol = (actual: number[], expected: number[], tol = 1e-3) => {
  expect(actual.length).toBe(expected.length);
  for (const [i, a] of actual.entries()) {
    expect(Math.abs(a - expected[i]), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(
      tol,
    );
  }
};

describe('optax: upstream schedule_test vectors', () => {
  it('constant and polynomial schedules', () => {
    atol(evalAt(optax.constantSchedule({ value: 10 }), range(15)), Array(15).fill(10));
    atol(
      evalAt(
        optax.polynomialSchedule({ initValue: 10, endValue: 20, power: 1, transitionSteps: 10 }),
        range(15),
      ),
      [...range(10).map((i) => 10 + i), ...Array(5).fill(20)],
    );
    atol(
      evalAt(
        optax.polynomialSchedule({ initValue: 10, endValue: 20, power: 1, transitionSteps: 0 }),
        range(15),
      ),
      Array(15).fill(10),
    );
    atol(
      evalAt(
        optax.polynomialSchedule({ initValue: 25, endValue: 10, power: 2, transitionSteps: 10 }),
        range(15),
      ),
      [...range(10).map((n) => 10 + 15 * (1 - n / 10) ** 2), ...Array(5).fill(10)],
    );
    atol(
      evalAt(
        optax.polynomialSchedule({
          initValue: 30,
          endValue: 10,
          power: 2,
          transitionSteps: 10,
          transitionBegin: 4,
        }),
        range(20),
      ),
      [
        ...Array(4).fill(30),
        ...range(10).map((n) => 10 + 20 * (1 - n / 10) ** 2),
        ...Array(6).fill(10),
      ],
    );
  });

  it('piecewise constant (positive and negative)', () => {
    const expected = [0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
    atol(
      evalAt(
        optax.piecewiseConstantSchedule({ initValue: 0.1, boundariesAndScales: { 3: 2, 6: 0.5 } }),
        range(10),
      ),
      expected,
    );
    atol(
      evalAt(
        optax.piecewiseConstantSchedule({ initValue: -0.1, boundariesAndScales: { 3: 2, 6: 0.5 } }),
        range(10),
      ),
      expected.map((v) => -v),
    );
  });

  it('exponential decay: constant, invalid steps/rate, staircase, begin, end value', () => {
    for (const staircase of [false, true]) {
      atol(
        evalAt(
          optax.exponentialDecay({ initValue: 1, transitionSteps: 15, decayRate: 1, staircase }),
          range(15),
        ),
        Array(15).fill(1),
      );
      atol(
        evalAt(
          optax.exponentialDecay({ initValue: 1, transitionSteps: 0, decayRate: 1, staircase }),
          range(15),
        ),
        Array(15).fill(1),
      );
      atol(
        evalAt(
          optax.exponentialDecay({ initValue: 1, transitionSteps: 2, decayRate: 0, staircase }),
          range(15),
        ),
        Array(15).fill(1),
      );
      const stair = (c: number) => (staircase ? Math.floor(c / 2) : c / 2);
      for (const transitionBegin of [0, 5]) {
        const s = optax.exponentialDecay({
          initValue: 1,
          transitionSteps: 2,
          decayRate: 2,
          transitionBegin,
          staircase,
        });
        atol(evalAt(s, range(15 + transitionBegin)), [
          ...Array(transitionBegin).fill(1),
          ...range(15).map((c) => 2 ** stair(c)),
        ]);
      }
      for (const [decayRate, endValue] of [
        [0.2, 0.1],
        [1.0, 0.1],
        [2.0, 3.0],
      ]) {
        const s = optax.exponentialDecay({
          initValue: 1,
          transitionSteps: 2,
          decayRate,
          transitionBegin: 3,
          staircase,
          endValue,
        });
        const raw = [...Array(3).fill(1), ...range(11).map((c) => decayRate ** stair(c))];
        atol(
          evalAt(s, range(14)),
          raw.map((v) => (decayRate < 1 ? Math.max(v, endValue) : Math.min(v, endValue))),
        );
      }
    }
    atol(
      evalAt(
        optax.exponentialDecay({ initValue: 32, transitionSteps: 1, decayRate: 0.5 }),
        range(5),
      ),
      [32, 16, 8, 4, 2],
    );
  });

  it('cosine decay: smaller / greater count, alpha, exponent, giant steps', () => {
    const mult = (fr: number[]) => fr.map((f) => 0.5 + 0.5 * Math.cos(Math.PI * f));
    atol(
      evalAt(optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: 10 }), range(10)),
      mult(range(10).map((i) => i / 10)).map((m) => 0.1 * m),
    );
    const fr = [0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1, 1, 1, 1];
    atol(
      evalAt(optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: 5 }), range(12)),
      mult(fr).map((m) => 0.1 * m),
    );
    atol(
      evalAt(optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: 5, alpha: 0.1 }), range(12)),
      mult(fr).map((m) => 0.1 * (0.9 * m + 0.1)),
    );
    expectClose(
      evalAt(
        optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: 100, exponent: 2 }),
        [0, 10, 50, 75, 100],
      ),
      [0.1, 0.09516553580760956, 0.025, 0.0021446612663567066, 0.0],
    );
    expectClose(
      [optax.cosineDecaySchedule({ initValue: 1000, decaySteps: 1e10 })(1e9)],
      [975.52826],
    );
  });

  it('warmup cosine decay: limits, exponent, zero peak', () => {
    for (const [initValue, peakValue, endValue] of [
      [10, 0.5, 1e-4],
      [5, 3, 0],
    ]) {
      const s = optax.warmupCosineDecaySchedule({
        initValue,
        peakValue,
        warmupSteps: 100,
        decaySteps: 1000,
        endValue,
      });
      expect(s(0)).toBeCloseTo(initValue, 6);
      expect(s(100)).toBeCloseTo(peakValue, 6);
      expect(s(1000)).toBeCloseTo(endValue, 6);
    }
    const steps = [0, 10, 50, 75, 100];
    expectClose(
      evalAt(
        optax.warmupCosineDecaySchedule({
          initValue: 0.2,
          peakValue: 1.21,
          endValue: -3,
          warmupSteps: 50,
          decaySteps: 100,
          exponent: 2,
        }),
        steps,
      ),
      [
        0.20000004768371582, 0.4020000100135803, 1.2100000381469727, -1.947500228881836,
        -3.000000238418579,
      ],
    );
    atol(
      evalAt(
        optax.warmupCosineDecaySchedule({
          initValue: 0.2,
          peakValue: 0,
          endValue: -3,
          warmupSteps: 50,
          decaySteps: 100,
          exponent: 2,
        }),
        steps,
      ),
      [0.2, 0.16, 0, 0, 0],
      1e-8,
    );
  });

  it('sgdr limits', () => {
    for (const [lr0, lr1, lr2] of [
      [1.6, 0.8, 0.4],
      [1.6, 1.6, 1.6],
    ]) {
      const cosineKwargs = [2000, 3000, 5000].map((decaySteps, i) => ({
        decaySteps,
        peakValue: [lr0, lr1, lr2][i],
        initValue: 0,
        endValue: 0,
        warmupSteps: 500,
      }));
      const s = optax.sgdrSchedule({ cosineKwargs });
      expectClose([s(500), s(2500), s(5500)], [lr0, lr1, lr2]);
    }
  });

  it('piecewise interpolate: linear, cosine, empty, invalid, zero interval', () => {
    atol(
      evalAt(
        optax.piecewiseInterpolateSchedule({
          interpolateType: 'linear',
          initValue: 200,
          boundariesAndScales: { 5: 1.5, 10: 0.25 },
        }),
        range(13),
      ),
      [200, 220, 240, 260, 280, 300, 255, 210, 165, 120, 75, 75, 75],
    );
    atol(
      evalAt(
        optax.piecewiseInterpolateSchedule({
          interpolateType: 'cosine',
          initValue: 400,
          boundariesAndScales: { 5: 1.2, 3: 0.6, 7: 1 },
        }),
        range(9),
      ),
      [400, 360, 280, 240, 264, 288, 288, 288, 288],
    );
    atol(
      evalAt(
        optax.piecewiseInterpolateSchedule({
          interpolateType: 'linear',
          initValue: 13,
          boundariesAndScales: {},
        }),
        range(5),
      ),
      Array(5).fill(13),
    );
    atol(
      evalAt(
        optax.piecewiseInterpolateSchedule({ interpolateType: 'cosine', initValue: 17 }),
        range(3),
      ),
      Array(3).fill(17),
    );
    for (const t of ['linar', '', null]) {
      expect(() =>
        optax.piecewiseInterpolateSchedule({ interpolateType: t as never, initValue: 13 }),
      ).toThrow(ScheduleOptionError);
    }
    expect(() =>
      optax.piecewiseInterpolateSchedule({
        interpolateType: 'linear',
        initValue: 13,
        boundariesAndScales: { 5: -3 },
      }),
    ).toThrow(ScheduleOptionError);
    const z = optax.piecewiseInterpolateSchedule({
      interpolateType: 'linear',
      initValue: 13,
      boundariesAndScales: { 0: 2, 5: 3 },
    });
    expect(range(6).every((i) => Number.isFinite(z(i)))).toBe(true);
    expect(z(0)).toBeCloseTo(26, 10);
    expect(z(5)).toBeCloseTo(78, 10);
  });

  it('one-cycle: linear, cosine, non-positive transition steps', () => {
    atol(
      evalAt(
        optax.linearOnecycleSchedule({
          transitionSteps: 10,
          peakValue: 1000,
          pctStart: 0.3,
          pctFinal: 0.7,
          divFactor: 10,
          finalDivFactor: 100,
        }),
        range(12),
      ),
      [100, 400, 700, 1000, 775, 550, 325, 100, 67, 34, 1, 1],
    );
    atol(
      evalAt(
        optax.cosineOnecycleSchedule({
          transitionSteps: 5,
          peakValue: 1000,
          pctStart: 0.4,
          divFactor: 10,
          finalDivFactor: 100,
        }),
        range(7),
      ),
      [100, 550, 1000, 750.25, 250.75, 1, 1],
    );
    expect(() => optax.cosineOnecycleSchedule({ transitionSteps: 0, peakValue: 5 })).toThrow(
      ScheduleOptionError,
    );
    expect(() => optax.linearOnecycleSchedule({ transitionSteps: 0, peakValue: 5 })).toThrow(
      ScheduleOptionError,
    );
  });

  it('join schedules: later schedules see step - boundary', () => {
    const s = optax.joinSchedules({
      schedules: [
        optax.constantSchedule({ value: 1 }),
        optax.linearSchedule({ initValue: 0, endValue: 10, transitionSteps: 10 }),
      ],
      boundaries: [5],
    });
    atol(evalAt(s, [0, 4, 5, 6, 15, 20]), [1, 1, 0, 1, 10, 10]);
  });

  it('rejects what we treat as errors (optax only warns): negative transition steps / begin', () => {
    expect(() =>
      optax.polynomialSchedule({ initValue: 1, endValue: 2, power: 1, transitionSteps: -1 }),
    ).toThrow(/transitionSteps/);
    expect(() =>
      optax.exponentialDecay({ initValue: 1, transitionSteps: -1, decayRate: 0.5 }),
    ).toThrow(/transitionSteps/);
    expect(() =>
      optax.exponentialDecay({
        initValue: 1,
        transitionSteps: 1,
        decayRate: 0.5,
        transitionBegin: -2,
      }),
    ).toThrow(/transitionBegin/);
  });
});

describe('optax: boundariesAndScales', () => {
  it('refuses a step written twice (as "10" and "1e1"), which the spec could not record', () => {
    const boundariesAndScales = { 10: 0.5, '1e1': 0.5 };
    const makers = [
      () => optax.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales }),
      () =>
        optax.piecewiseInterpolateSchedule({
          interpolateType: 'linear',
          initValue: 1,
          boundariesAndScales,
        }),
    ];
    for (const make of makers) {
      const err = (() => {
        try {
          make();
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ScheduleOptionError);
      expect((err as ScheduleOptionError).option).toBe('boundariesAndScales');
      expect((err as ScheduleOptionError).message).toMatch(/step 10 is written twice/);
    }
  });
});
