import { describe, expect, it } from 'vitest';
import { keras, ScheduleOptionError } from '../src/index.js';

// Ported from keras/src/optimizers/schedules/learning_rate_schedule_test.py (Keras 3).
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 6);

// The test file's numpy oracles.
function npCosineDecay(step: number, decaySteps: number, alpha = 0): number {
  const s = Math.min(step, decaySteps);
  const decay = 0.5 * (1 + Math.cos((Math.PI * s) / decaySteps));
  return (1 - alpha) * decay + alpha;
}
function npCosineDecayRestarts(step: number, decaySteps: number, tMul = 2, mMul = 1, alpha = 0) {
  let fac = 1;
  let s = step;
  let d = decaySteps;
  while (s >= d) {
    s -= d;
    d *= tMul;
    fac *= mMul;
  }
  const decay = fac * 0.5 * (1 + Math.cos((Math.PI * s) / d));
  return (1 - alpha) * decay + alpha;
}
const range = (a: number, b: number, d: number) => {
  const out: number[] = [];
  for (let i = a; i < b; i += d) out.push(i);
  return out;
};

describe('keras: upstream learning_rate_schedule_test vectors', () => {
  it('ExponentialDecay continuous / staircase', () => {
    close(
      keras.exponentialDecay({ initialLearningRate: 0.05, decaySteps: 10, decayRate: 0.96 })(5),
      0.05 * 0.96 ** 0.5,
    );
    const s = keras.exponentialDecay({
      initialLearningRate: 0.1,
      decaySteps: 3,
      decayRate: 0.96,
      staircase: true,
    });
    close(s(1), 0.1);
    close(s(2), 0.1);
    close(s(100), 0.1 * 0.96 ** 33);
  });

  it('PiecewiseConstantDecay values and boundary values', () => {
    const s = keras.piecewiseConstantDecay({
      boundaries: [100, 110, 120],
      values: [1.0, 0.1, 0.01, 0.001],
    });
    for (const [x, v] of [
      [100, 1.0],
      [105, 0.1],
      [110, 0.1],
      [120, 0.01],
      [999, 0.001],
    ])
      close(s(x), v);
    const t = keras.piecewiseConstantDecay({ boundaries: [1, 2, 3], values: [0.4, 0.5, 0.6, 0.7] });
    for (const [x, v] of [
      [0, 0.4],
      [1, 0.4],
      [2, 0.5],
      [3, 0.6],
      [4, 0.7],
    ])
      close(t(x), v);
  });

  it('PolynomialDecay (linear and sqrt) halfway, end, beyond end, cycle', () => {
    const lr = 0.05;
    for (const power of [1, 0.5]) {
      const p = (o: object) =>
        keras.polynomialDecay({ initialLearningRate: lr, decaySteps: 10, power, ...o });
      close(p({ endLearningRate: 0 })(5), lr * 0.5 ** power);
      close(p({ endLearningRate: 0.001 })(10), 0.001);
      close(p({ endLearningRate: 0.001 })(5), (lr - 0.001) * 0.5 ** power + 0.001);
      close(p({ endLearningRate: 0.001 })(15), 0.001);
      close(p({ endLearningRate: 0.001, cycle: true })(15), (lr - 0.001) * 0.25 ** power + 0.001);
    }
    close(
      keras.polynomialDecay({ initialLearningRate: 0.001, decaySteps: 10, cycle: true })(0),
      0.001,
    );
  });

  it('InverseTimeDecay decay and staircase', () => {
    const k = 10;
    const a = keras.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: k, decayRate: 0.96 });
    const b = keras.inverseTimeDecay({
      initialLearningRate: 0.1,
      decaySteps: k,
      decayRate: 0.96,
      staircase: true,
    });
    for (let i = 0; i <= k; i++) {
      close(a(i), 0.1 / (1 + (i / k) * 0.96));
      close(b(i), 0.1 / (1 + 0.96 * Math.floor(i / k)));
    }
  });

  it('CosineDecay decay, alpha, warmup, warmup + decay', () => {
    for (const step of range(0, 1500, 250)) {
      close(
        keras.cosineDecay({ initialLearningRate: 1, decaySteps: 1000 })(step),
        npCosineDecay(step, 1000),
      );
      close(
        keras.cosineDecay({ initialLearningRate: 1, decaySteps: 1000, alpha: 0.1 })(step),
        npCosineDecay(step, 1000, 0.1),
      );
      close(
        keras.cosineDecay({
          initialLearningRate: 0,
          decaySteps: 10,
          warmupTarget: 10,
          warmupSteps: 1500,
        })(step),
        (step / 1500) * 10,
      );
    }
    const s = keras.cosineDecay({
      initialLearningRate: 0,
      decaySteps: 1000,
      warmupTarget: 10,
      warmupSteps: 2000,
    });
    for (const step of range(0, 3000, 250)) {
      const expected = step < 2001 ? (step / 2000) * 10 : 10 * npCosineDecay(step - 2000, 1000);
      close(s(step), expected);
    }
  });

  it('CosineDecayRestarts decay, alpha, mMul, tMul', () => {
    for (const step of range(0, 1500, 250)) {
      const f = (o: object) =>
        keras.cosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 1000, ...o })(step);
      close(f({}), npCosineDecayRestarts(step, 1000));
      close(f({ alpha: 0.1 }), npCosineDecayRestarts(step, 1000, 2, 1, 0.1));
      close(f({ mMul: 0.9 }), npCosineDecayRestarts(step, 1000, 2, 0.9));
      close(f({ tMul: 1 }), npCosineDecayRestarts(step, 1000, 1));
    }
  });

  it('CosineDecayRestarts is exact at every restart (no log rounding)', () => {
    for (const tMul of [1.5, 2, 3]) {
      for (let step = 0; step < 400; step++) {
        const s = keras.cosineDecayRestarts({
          initialLearningRate: 1,
          firstDecaySteps: 7,
          tMul,
          mMul: 0.5,
        });
        expect(s(step)).toBeCloseTo(npCosineDecayRestarts(step, 7, tMul, 0.5), 10);
      }
    }
  });
});

describe('keras: validation', () => {
  it('rejects bad options with a typed error', () => {
    const bad: [() => unknown, string][] = [
      [
        () => keras.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.9 }),
        'decaySteps',
      ],
      [
        () =>
          keras.exponentialDecay({
            initialLearningRate: Number.NaN,
            decaySteps: 1,
            decayRate: 0.9,
          }),
        'initialLearningRate',
      ],
      [
        () => keras.piecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] }),
        'boundaries',
      ],
      [() => keras.piecewiseConstantDecay({ boundaries: [10], values: [1] }), 'values'],
      [() => keras.piecewiseConstantDecay({ boundaries: [1.5], values: [1, 2] }), 'boundaries[0]'],
      [
        () => keras.cosineDecayRestarts({ initialLearningRate: 1, firstDecaySteps: 10, tMul: 0.5 }),
        'tMul',
      ],
      [
        () => keras.cosineDecay({ initialLearningRate: 1, decaySteps: Number.POSITIVE_INFINITY }),
        'decaySteps',
      ],
      [
        () =>
          keras.inverseTimeDecay({
            initialLearningRate: 1,
            decaySteps: 1,
            decayRate: 1,
            extra: 1,
          } as never),
        'extra',
      ],
    ];
    for (const [f, option] of bad) {
      expect(f).toThrow(ScheduleOptionError);
      try {
        f();
      } catch (e) {
        expect((e as ScheduleOptionError).option).toBe(option);
      }
    }
  });
});
