import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  constant,
  exponential,
  fromJSON,
  keras,
  optax,
  type Schedule,
  ScheduleOptionError,
  ScheduleOverflowError,
  ScheduleStepError,
  scale,
  torch,
} from '../src/index.js';
import { samples } from './samples.js';

/** `String(v)` that never throws (for `{ toString: false }` and friends). */
const show = (v: unknown): string => fc.stringify(v);

const all = samples();

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Anything a caller might pass that is not a number. */
const nonNumber = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 0, maxLength: 2 }),
  fc.string(),
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.boolean(),
  fc.object(),
  fc.constant(new Date(0)),
  fc.constant(Symbol('step')),
  fc.constant({ toString: false, valueOf: false }),
  fc.constant(Object.create(null)),
);

describe('non-number steps', () => {
  it('lr(null), lr([300]), lr("5"), lr(5n), lr(true) throw ScheduleStepError naming the step', () => {
    const lr = keras.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 });
    for (const bad of [null, [300], '5', 5n, true, {}, undefined]) {
      const err = thrown(() => lr(bad as unknown as number));
      expect(err, String(bad)).toBeInstanceOf(ScheduleStepError);
      expect((err as ScheduleStepError).option).toBe('step');
      expect((err as ScheduleStepError).schedule).toBe('keras.exponentialDecay');
      expect((err as Error).message).toContain('"step"');
    }
    expect((thrown(() => lr(5n as unknown as number)) as Error).message).toContain('5n');
    // An object that cannot be converted to a string still gets a ScheduleStepError.
    const odd = Object.create(null);
    odd.self = odd;
    expect(thrown(() => lr(odd))).toBeInstanceOf(ScheduleStepError);
  });

  it('property: every schedule type refuses any non-number step with ScheduleStepError', () => {
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), nonNumber, (i, bad) => {
        const s = all[i];
        const err = thrown(() => s(bad as unknown as number));
        expect(err, `${s.spec.type} at ${show(bad)}`).toBeInstanceOf(ScheduleStepError);
        expect((err as ScheduleStepError).option).toBe('step');
        expect((err as ScheduleStepError).schedule).toBe(s.spec.type);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: negative, NaN and infinite numbers are refused by every type', () => {
    const badNumber = fc.oneof(
      fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), badNumber, (i, bad) => {
        const err = thrown(() => all[i](bad));
        expect(err, `${all[i].spec.type} at ${bad}`).toBeInstanceOf(ScheduleStepError);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('overflow', () => {
  it('a value that overflows float64 throws ScheduleOverflowError naming schedule and step', () => {
    const grow = exponential({ from: 1, rate: 10, steps: 1 });
    expect(grow(300)).toBeCloseTo(1e300, -290);
    const err = thrown(() => grow(400));
    expect(err).toBeInstanceOf(ScheduleOverflowError);
    expect(err).toBeInstanceOf(ScheduleStepError);
    expect(err).toBeInstanceOf(ScheduleOptionError);
    const e = err as ScheduleOverflowError;
    expect(e.schedule).toBe('exponential');
    expect(e.option).toBe('step');
    expect(e.value).toBe(400);
    expect(e.result).toBe(Infinity);
    expect(e.message).toMatch(/^exponential: .*step 400.*Infinity/);
  });

  it('overflow in a combinator (finite inner value times a large factor) names the combinator', () => {
    const s = scale(constant({ value: 1e300 }), 1e10);
    const e = thrown(() => s(0)) as ScheduleOverflowError;
    expect(e).toBeInstanceOf(ScheduleOverflowError);
    expect(e.schedule).toBe('scale');
    expect(e.result).toBe(Infinity);
    const neg = scale(constant({ value: -1e300 }), 1e10);
    expect((thrown(() => neg(3)) as ScheduleOverflowError).result).toBe(-Infinity);
  });

  it('property: growing schedules either return a finite value or throw ScheduleOverflowError', () => {
    const growing = fc.oneof(
      fc
        .record({
          from: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
          rate: fc.double({ min: 1.01, max: 1e6, noNaN: true }),
          steps: fc.integer({ min: 1, max: 100 }),
          staircase: fc.boolean(),
        })
        .map(exponential),
      fc
        .record({
          initialLearningRate: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
          decaySteps: fc.integer({ min: 1, max: 100 }),
          decayRate: fc.double({ min: 1.01, max: 1e6, noNaN: true }),
        })
        .map(keras.exponentialDecay),
      fc
        .record({
          lr: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
          gamma: fc.double({ min: 1.01, max: 1e6, noNaN: true }),
        })
        .map(torch.exponentialLR),
      fc
        .record({
          initValue: fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
          transitionSteps: fc.integer({ min: 1, max: 100 }),
          decayRate: fc.double({ min: 1.01, max: 1e6, noNaN: true }),
        })
        .map(optax.exponentialDecay),
    );
    let overflowed = 0;
    fc.assert(
      fc.property(growing, fc.double({ min: 0, max: 1e7, noNaN: true }), (s: Schedule, x) => {
        let v: number | undefined;
        const err = thrown(() => {
          v = s(x);
        });
        if (err === undefined) expect(Number.isFinite(v), `${s.spec.type}(${x})`).toBe(true);
        else {
          overflowed++;
          expect(err, `${s.spec.type}(${x})`).toBeInstanceOf(ScheduleOverflowError);
          expect((err as ScheduleOverflowError).schedule).toBe(s.spec.type);
          expect((err as ScheduleOverflowError).value).toBe(x);
        }
      }),
      { numRuns: 400 },
    );
    expect(overflowed).toBeGreaterThan(0);
  });
});

describe('fromJSON nesting depth', () => {
  const nest = (depth: number): unknown => {
    let spec: unknown = { type: 'constant', options: { value: 0.1 } };
    for (let i = 0; i < depth; i++)
      spec = { type: 'scale', options: { schedule: spec, factor: 1 } };
    return spec;
  };

  it('a spec nested 1,000 (or 100,000) deep is refused with a ScheduleOptionError, not a stack overflow', () => {
    for (const depth of [1000, 100_000]) {
      const err = thrown(() => fromJSON(nest(depth)));
      expect(err, `depth ${depth}`).toBeInstanceOf(ScheduleOptionError);
      expect((err as ScheduleOptionError).schedule).toBe('fromJSON');
      expect((err as Error).message).toContain('at most 64');
      expect((err as Error).message.length).toBeLessThan(400);
    }
  });

  it('64 nested schedules are accepted (the documented bound), 65 are not', () => {
    expect(fromJSON(nest(63))(0)).toBeCloseTo(0.1, 15);
    expect(thrown(() => fromJSON(nest(64)))).toBeInstanceOf(ScheduleOptionError);
    const wide = {
      type: 'join',
      options: { schedules: [nest(62), nest(62)], boundaries: [5] },
    };
    expect(fromJSON(wide)(6)).toBeCloseTo(0.1, 15);
  });
});
