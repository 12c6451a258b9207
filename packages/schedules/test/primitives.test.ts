import { describe, expect, it } from 'vitest';
import {
  clamp,
  constant,
  cosine,
  exponential,
  join,
  linear,
  piecewiseConstant,
  piecewiseInterpolate,
  polynomial,
  ScheduleOptionError,
  scale,
  warmup,
} from '../src/index.js';
import { evalAt, expectClose, loadReference } from './helpers.js';

const cases = loadReference();
const of = (lib: string, fn: string) => cases.filter((c) => c.lib === lib && c.fn === fn);
// biome-ignore lint/suspicious/noExplicitAny: reference options are untyped JSON
type O = Record<string, any>;

// The primitives and combinators rebuild the libraries' schedules; checked against the
// reference values computed by the real libraries.
describe('primitives and combinators reproduce the libraries (reference values)', () => {
  it('keras.exponentialDecay = exponential', () => {
    for (const c of of('keras', 'exponentialDecay')) {
      const o: O = c.opts;
      const s = exponential({
        from: o.initialLearningRate,
        rate: o.decayRate,
        steps: o.decaySteps,
        staircase: o.staircase,
      });
      expectClose(evalAt(s, c.steps), c.expected);
    }
  });

  it('keras.polynomialDecay (no cycle) = polynomial', () => {
    for (const c of of('keras', 'polynomialDecay').filter((c) => !c.opts.cycle)) {
      const o: O = c.opts;
      const s = polynomial({
        from: o.initialLearningRate,
        to: o.endLearningRate,
        steps: o.decaySteps,
        power: o.power,
      });
      expectClose(evalAt(s, c.steps), c.expected);
    }
  });

  it('keras.piecewiseConstantDecay = piecewiseConstant with boundaries + 1', () => {
    for (const c of of('keras', 'piecewiseConstantDecay')) {
      const o: O = c.opts;
      const s = piecewiseConstant({
        boundaries: o.boundaries.map((b: number) => b + 1),
        values: o.values,
      });
      expectClose(evalAt(s, c.steps), c.expected);
    }
  });

  it('tfod.exponentialDecayWithBurnin = clamp(join([constant, exponential]))', () => {
    for (const c of of('tfod', 'exponentialDecayWithBurnin')) {
      const o: O = c.opts;
      const decay = exponential({
        from: o.learningRateBase,
        rate: o.learningRateDecayFactor,
        steps: o.learningRateDecaySteps,
        staircase: o.staircase,
      });
      const burnin = constant({
        value: o.burninLearningRate === 0 ? o.learningRateBase : o.burninLearningRate,
      });
      const s = clamp(o.burninSteps > 0 ? join([burnin, decay], [o.burninSteps]) : decay, {
        min: o.minLearningRate,
      });
      expectClose(evalAt(s, c.steps), c.expected);
    }
  });

  it('optax.warmupCosineDecaySchedule = join([linear, cosine])', () => {
    for (const c of of('optax', 'warmupCosineDecaySchedule')) {
      const o: O = c.opts;
      const s = join(
        [
          linear({ from: o.initValue, to: o.peakValue, steps: o.warmupSteps }),
          cosine({
            from: o.peakValue,
            to: o.endValue,
            steps: o.decaySteps - o.warmupSteps,
            exponent: o.exponent,
          }),
        ],
        [o.warmupSteps],
      );
      expectClose(evalAt(s, c.steps), c.expected);
      // and = warmup(cosine)
      const w = warmup(
        cosine({
          from: o.peakValue,
          to: o.endValue,
          steps: o.decaySteps - o.warmupSteps,
          exponent: o.exponent,
        }),
        {
          steps: o.warmupSteps,
          from: o.initValue,
        },
      );
      expectClose(evalAt(w, c.steps), c.expected);
    }
  });

  it('optax.linearOnecycleSchedule / cosineOnecycleSchedule = piecewiseInterpolate', () => {
    for (const c of [
      ...of('optax', 'linearOnecycleSchedule'),
      ...of('optax', 'cosineOnecycleSchedule'),
    ]) {
      const o: O = c.opts;
      const start = o.peakValue / o.divFactor;
      const isLinear = c.fn === 'linearOnecycleSchedule';
      const s = isLinear
        ? piecewiseInterpolate({
            boundaries: [
              0,
              Math.trunc(o.pctStart * o.transitionSteps),
              Math.trunc(o.pctFinal * o.transitionSteps),
              o.transitionSteps,
            ],
            values: [start, o.peakValue, start, start / o.finalDivFactor],
          })
        : piecewiseInterpolate({
            boundaries: [0, Math.trunc(o.pctStart * o.transitionSteps), o.transitionSteps],
            values: [start, o.peakValue, start / o.finalDivFactor],
            kind: 'cosine',
          });
      expectClose(evalAt(s, c.steps), c.expected);
    }
  });

  it('scale multiplies, clamp bounds', () => {
    const c = of('torch', 'exponentialLR')[0];
    const s = scale(
      exponential({ from: 1, rate: c.opts.gamma as number, steps: 1 }),
      c.opts.lr as number,
    );
    expectClose(evalAt(s, c.steps), c.expected);
    const k = clamp(linear({ from: 0, to: 10, steps: 10 }), { min: 2, max: 8 });
    expect(evalAt(k, [0, 2, 5, 9, 20])).toEqual([2, 2, 5, 8, 8]);
  });
});

describe('primitives: documented edge cases', () => {
  it('past the end: linear, polynomial and cosine hold their final value', () => {
    expect(linear({ from: 1, to: 3, steps: 4 })(100)).toBe(3);
    expect(polynomial({ from: 1, to: 3, steps: 4, power: 2 })(100)).toBe(3);
    expect(cosine({ from: 1, to: 0.5, steps: 4 })(100)).toBe(0.5);
  });

  it('piecewiseConstant switches AT the boundary; piecewiseInterpolate holds outside the knots', () => {
    const p = piecewiseConstant({ boundaries: [2, 4], values: [3, 2, 1] });
    expect(evalAt(p, [0, 1.9, 2, 3, 4, 100])).toEqual([3, 3, 2, 2, 1, 1]);
    const q = piecewiseInterpolate({ boundaries: [10, 20], values: [0, 1] });
    expect(evalAt(q, [0, 10, 15, 20, 30])).toEqual([0, 0, 0.5, 1, 1]);
  });

  it('join: each schedule sees the step relative to its boundary', () => {
    const j = join(
      [constant({ value: 5 }), linear({ from: 0, to: 1, steps: 10 }), constant({ value: 7 })],
      [3, 8],
    );
    expect(evalAt(j, [0, 2, 3, 4, 7, 8, 50])).toEqual([5, 5, 0, 0.1, 0.4, 7, 7]);
  });

  it('rejects invalid options with ScheduleOptionError naming the option', () => {
    const bad: [() => unknown, string][] = [
      [() => linear({ from: 0, to: 1, steps: 0 }), 'steps'],
      [() => constant({ value: Number.NaN }), 'value'],
      [() => exponential({ from: 1, rate: -1, steps: 1 }), 'rate'],
      [() => polynomial({ from: 1, to: 0, steps: 1, power: -1 }), 'power'],
      [() => cosine({ from: 1, steps: Number.POSITIVE_INFINITY }), 'steps'],
      [() => piecewiseConstant({ boundaries: [1, 1], values: [1, 2, 3] }), 'boundaries'],
      [() => piecewiseConstant({ boundaries: [1], values: [1, 2, 3] }), 'values'],
      [() => piecewiseInterpolate({ boundaries: [], values: [] }), 'boundaries'],
      [
        () => piecewiseInterpolate({ boundaries: [1], values: [1], kind: 'cubic' as never }),
        'kind',
      ],
      [() => join([constant({ value: 1 })], [3]), 'boundaries'],
      [() => join([], []), 'schedules'],
      [() => join([(() => 1) as never, constant({ value: 1 })], [1]), 'schedules[0]'],
      [() => warmup(constant({ value: 1 }), { steps: -1 }), 'steps'],
      [() => scale(constant({ value: 1 }), Number.NaN), 'factor'],
      [() => clamp(constant({ value: 1 }), { min: 2, max: 1 }), 'max'],
      [() => linear({ from: 0, to: 1, steps: 1, step: 3 } as never), 'step'],
      [() => linear(null as never), 'options'],
    ];
    for (const [f, option] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err, option).toBeInstanceOf(ScheduleOptionError);
      expect((err as ScheduleOptionError).option).toBe(option);
      expect((err as ScheduleOptionError).allowed.length).toBeGreaterThan(0);
    }
  });
});
