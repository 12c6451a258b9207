import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cosine,
  darknet,
  fromJSON,
  join,
  keras,
  linear,
  optax,
  type Schedule,
  ScheduleOverflowError,
  tfod,
  toJSON,
  torch,
} from '../src/index.js';
import { lastStep, samples } from './samples.js';

const rate = (min = 0, max = 10) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const unit = () => rate(0, 1);
const steps = (min = 1, max = 100_000) => fc.integer({ min, max });
const step = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
);

interface Family {
  name: string;
  arb: fc.Arbitrary<Schedule>;
  /** Non-increasing (or non-decreasing) from this step on. */
  monotone?: { dir: 'dec' | 'inc'; from: (s: Schedule) => number };
}

const sorted = (n: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 100_000 }), { minLength: n, maxLength: n })
    .map((a) => a.sort((x, y) => x - y));

const families: Family[] = [
  {
    name: 'tfod.exponentialDecayWithBurnin',
    arb: fc
      .record({
        learningRateBase: rate(),
        learningRateDecaySteps: steps(),
        learningRateDecayFactor: unit(),
        burninLearningRate: rate(),
        burninSteps: steps(0, 1000),
        minLearningRate: rate(0, 0.01),
        staircase: fc.boolean(),
      })
      .map(tfod.exponentialDecayWithBurnin),
    monotone: { dir: 'dec', from: (s) => s.spec.options.burninSteps as number },
  },
  {
    name: 'tfod.cosineDecayWithWarmup',
    arb: fc
      .record({
        learningRateBase: rate(0.001),
        warmupSteps: steps(0, 1000),
        extra: steps(0, 100_000),
        holdBaseRateSteps: steps(0, 100),
      })
      .chain((o) =>
        rate(0, o.learningRateBase).map((warmupLearningRate) =>
          tfod.cosineDecayWithWarmup({
            learningRateBase: o.learningRateBase,
            warmupLearningRate,
            warmupSteps: o.warmupSteps,
            totalSteps: o.warmupSteps + o.extra,
            holdBaseRateSteps: o.holdBaseRateSteps,
          }),
        ),
      ),
    monotone: {
      dir: 'dec',
      from: (s) =>
        (s.spec.options.warmupSteps as number) + (s.spec.options.holdBaseRateSteps as number),
    },
  },
  {
    name: 'tfod.manualStepping',
    arb: fc
      .integer({ min: 0, max: 5 })
      .chain((n) =>
        fc.record({
          boundaries: sorted(n),
          rates: fc.array(rate(), { minLength: n + 1, maxLength: n + 1 }),
          warmup: fc.boolean(),
        }),
      )
      .map(tfod.manualStepping),
  },
  {
    name: 'keras.exponentialDecay',
    arb: fc
      .record({
        initialLearningRate: rate(),
        decaySteps: steps(),
        decayRate: unit(),
        staircase: fc.boolean(),
      })
      .map(keras.exponentialDecay),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'keras.inverseTimeDecay',
    arb: fc
      .record({
        initialLearningRate: rate(),
        decaySteps: steps(),
        decayRate: rate(),
        staircase: fc.boolean(),
      })
      .map(keras.inverseTimeDecay),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'keras.polynomialDecay',
    arb: fc
      .record({
        initialLearningRate: rate(),
        decaySteps: steps(),
        endLearningRate: rate(0, 0),
        power: rate(0, 4),
      })
      .map(keras.polynomialDecay),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'keras.polynomialDecay (cycle)',
    arb: fc
      .record({
        initialLearningRate: rate(),
        decaySteps: steps(),
        power: rate(0, 4),
        cycle: fc.constant(true),
      })
      .map(keras.polynomialDecay),
  },
  {
    name: 'keras.cosineDecay',
    arb: fc
      .record({ initialLearningRate: rate(), decaySteps: steps(), alpha: unit() })
      .map(keras.cosineDecay),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'keras.cosineDecayRestarts',
    arb: fc
      .record({
        initialLearningRate: rate(),
        firstDecaySteps: steps(),
        tMul: rate(1, 3),
        mMul: unit(),
        alpha: unit(),
      })
      .map(keras.cosineDecayRestarts),
  },
  {
    name: 'tfod.exponentialDecayWithWarmup',
    arb: fc
      .record({
        learningRateBase: rate(),
        learningRateDecaySteps: steps(),
        learningRateDecayFactor: unit(),
        warmupLearningRate: rate(0, 0),
        warmupSteps: steps(1, 1000),
        minLearningRate: rate(0, 0.01),
        staircase: fc.boolean(),
      })
      .map(tfod.exponentialDecayWithWarmup),
    monotone: { dir: 'dec', from: (s) => s.spec.options.warmupSteps as number },
  },
  {
    name: 'optax.exponentialDecay',
    arb: fc
      .record({
        initValue: rate(),
        transitionSteps: steps(0, 10_000),
        decayRate: unit(),
        transitionBegin: steps(0, 1000),
        staircase: fc.boolean(),
        endValue: fc.option(rate(0, 0.01), { nil: undefined }),
      })
      .map(optax.exponentialDecay),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'optax.cosineDecaySchedule',
    arb: fc
      .record({ initValue: rate(), decaySteps: steps(), alpha: unit(), exponent: rate(0.1, 4) })
      .map(optax.cosineDecaySchedule),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'torch.constantLR',
    arb: fc
      .record({ lr: rate(), factor: unit(), totalIters: steps(0, 1000) })
      // factor 0 raises from totalIters on, like torch (tested in torch.test.ts)
      .filter((o) => o.factor > 0 || o.totalIters === 0)
      .map(torch.constantLR),
    monotone: { dir: 'inc', from: () => 0 },
  },
  {
    name: 'torch.stepLR',
    arb: fc.record({ lr: rate(), stepSize: steps(), gamma: unit() }).map(torch.stepLR),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'torch.multiStepLR',
    arb: fc.record({ lr: rate(), milestones: sorted(3), gamma: unit() }).map(torch.multiStepLR),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'torch.polynomialLR',
    arb: fc.record({ lr: rate(), totalIters: steps(), power: rate(0, 4) }).map(torch.polynomialLR),
    monotone: { dir: 'dec', from: () => 0 },
  },
  {
    name: 'torch.linearLR (warm-up)',
    arb: fc
      .record({ lr: rate(), startFactor: rate(0.001, 1), totalIters: steps() })
      .map((o) => torch.linearLR({ ...o, endFactor: 1 })),
    monotone: { dir: 'inc', from: () => 0 },
  },
  {
    name: 'torch.cosineAnnealingWarmRestarts',
    arb: fc
      .record({
        lr: rate(),
        t0: steps(1, 1000),
        tMult: fc.integer({ min: 1, max: 3 }),
        etaMin: rate(0, 0),
      })
      .map(torch.cosineAnnealingWarmRestarts),
  },
  {
    name: 'torch.cyclicLR',
    arb: fc
      .record({
        baseLr: rate(),
        maxLr: rate(),
        stepSizeUp: steps(1, 5000),
        stepSizeDown: steps(0, 5000),
        mode: fc.constantFrom('triangular' as const, 'triangular2' as const, 'exp_range' as const),
        gamma: unit(),
      })
      .map(torch.cyclicLR),
  },
  {
    name: 'torch.oneCycleLR',
    arb: fc
      .record({
        maxLr: rate(),
        totalSteps: steps(10, 100_000),
        pctStart: rate(0.05, 0.95),
        annealStrategy: fc.constantFrom('cos' as const, 'linear' as const),
        threePhase: fc.boolean(),
      })
      .filter((o) => !o.threePhase || o.pctStart < 0.45)
      // torch raises (division by zero) for an empty phase, and so do we: not a valid config.
      .filter((o) => {
        try {
          torch.oneCycleLR(o);
          return true;
        } catch {
          return false;
        }
      })
      .map(torch.oneCycleLR),
  },
  {
    name: 'optax.warmupCosineDecaySchedule',
    arb: fc
      .record({
        initValue: rate(0, 0),
        peakValue: rate(),
        warmupSteps: steps(0, 1000),
        extra: steps(),
        endValue: rate(0, 0),
        exponent: rate(0.5, 3),
      })
      .map(({ extra, ...o }) =>
        optax.warmupCosineDecaySchedule({ ...o, decaySteps: o.warmupSteps + extra }),
      ),
  },
  {
    name: 'darknet.schedule (steps)',
    arb: fc
      .record({
        learningRate: rate(),
        burnIn: steps(0, 1000),
        power: rate(0, 4),
        steps: sorted(2),
        scales: fc.array(unit(), { minLength: 2, maxLength: 2 }),
      })
      .map((o) => darknet.schedule({ ...o, policy: 'steps' })),
  },
  {
    name: 'join(linear, cosine)',
    arb: fc
      .record({ peak: rate(), w: steps(1, 1000), d: steps() })
      .map(({ peak, w, d }) =>
        join([linear({ from: 0, to: peak, steps: w }), cosine({ from: peak, steps: d })], [w]),
      ),
  },
];

describe('property tests (fast-check)', () => {
  it('every schedule type: finite at random valid steps, integer or fractional', () => {
    const all = samples();
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), step, (i, x) => {
        const s = all[i];
        const at = Math.min(x, lastStep(s));
        // Exponential growth (a rate > 1) overflows far out: a ScheduleOverflowError, never
        // Infinity or NaN (the libraries return inf there).
        const o = s.spec.options;
        const grows = [o.decayRate, o.gamma, o.rate].some((r) => typeof r === 'number' && r > 1);
        let v: number;
        try {
          v = s(at);
        } catch (e) {
          expect(grows, `${s.spec.type} at ${at}: ${e}`).toBe(true);
          expect(e, s.spec.type).toBeInstanceOf(ScheduleOverflowError);
          return;
        }
        expect(Number.isFinite(v), s.spec.type).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  for (const f of families) {
    it(`${f.name}: finite at every valid step and JSON round-trips identically`, () => {
      fc.assert(
        fc.property(f.arb, step, (s, x) => {
          const at = Math.min(x, lastStep(s));
          const v = s(at);
          expect(Number.isFinite(v)).toBe(true);
          const back = fromJSON(JSON.parse(JSON.stringify(toJSON(s))));
          expect(Object.is(back(at), v)).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
    if (f.monotone) {
      const m = f.monotone;
      it(`${f.name}: monotone (${m.dir === 'dec' ? 'non-increasing' : 'non-decreasing'})`, () => {
        fc.assert(
          fc.property(f.arb, step, step, (s, a, b) => {
            const start = m.from(s);
            const lo = start + Math.min(a, b);
            const hi = start + Math.max(a, b);
            const va = s(lo);
            const vb = s(hi);
            const eps = 1e-12 * Math.max(Math.abs(va), Math.abs(vb), 1e-300);
            if (m.dir === 'dec') expect(vb).toBeLessThanOrEqual(va + eps);
            else expect(vb).toBeGreaterThanOrEqual(va - eps);
          }),
          { numRuns: 60 },
        );
      });
    }
  }
});
