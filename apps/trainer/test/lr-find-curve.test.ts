import { describe, expect, it } from 'vitest';
import { rampLearningRate } from '../src/lrfind/ramp.js';
import { runRangeTest } from '../src/lrfind/range-test.js';
import { createLossSmoother } from '../src/lrfind/smooth.js';
import { createStopRule } from '../src/lrfind/stop.js';
import { gradient, suggestLearningRate } from '../src/lrfind/suggest.js';

const ramp = (start: number, end: number, steps: number) =>
  Array.from({ length: steps }, (_, i) => rampLearningRate(i, start, end, steps));

describe('lr-find ramp', () => {
  it('goes from start to end in equal ratios: 1e-3 .. 10 over 5 steps is one decade a step', () => {
    const lrs = ramp(1e-3, 10, 5);
    const want = [1e-3, 1e-2, 1e-1, 1, 10];
    for (let i = 0; i < 5; i++) expect(lrs[i] / want[i]).toBeCloseTo(1, 12);
  });

  it('the default ramp (1e-6 .. 1, 200 steps) starts and ends exactly where asked', () => {
    const lrs = ramp(1e-6, 1, 200);
    expect(lrs[0]).toBe(1e-6);
    expect(lrs[199]).toBeCloseTo(1, 12);
    // constant ratio (end / start) ** (1 / 199) between neighbours
    const r = 1e6 ** (1 / 199);
    for (let i = 1; i < 200; i++) expect(lrs[i] / lrs[i - 1]).toBeCloseTo(r, 10);
  });
});

describe('lr-find smoothed loss (bias-corrected EMA)', () => {
  it('beta 0.5 on 4, 2: 4, then (0.5*0.5*4 + 0.5*2) / 0.75', () => {
    const s = createLossSmoother(0.5);
    expect(s(4)).toBe(4);
    expect(s(2)).toBeCloseTo(2 / 0.75, 12);
  });

  it('equals the weighted mean sum beta^(n-k) x_k / sum beta^(n-k) at every step (beta 0.98)', () => {
    const beta = 0.98;
    const s = createLossSmoother(beta);
    const xs = Array.from({ length: 60 }, (_, i) => 3 + Math.sin(i) + i * 0.01);
    xs.forEach((_, n) => {
      const got = s(xs[n]);
      let num = 0;
      let den = 0;
      for (let k = 0; k <= n; k++) {
        const w = beta ** (n - k);
        num += w * xs[k];
        den += w;
      }
      expect(got).toBeCloseTo(num / den, 10);
    });
  });

  it('a constant loss stays constant (the bias correction removes the pull towards 0)', () => {
    const s = createLossSmoother();
    for (let i = 0; i < 30; i++) expect(s(2.5)).toBeCloseTo(2.5, 12);
  });

  it('NaN and Infinity propagate: the stop rule sees them', () => {
    const s = createLossSmoother();
    s(1);
    expect(s(Number.NaN)).toBeNaN();
    expect(s(1)).toBeNaN();
  });
});

describe('lr-find stop rule', () => {
  it('stops once the smoothed loss is above 4x the best so far, not at 4x exactly', () => {
    const stop = createStopRule();
    expect(stop(1, 1)).toBeNull();
    expect(stop(1, 0.5)).toBeNull(); // new best 0.5
    expect(stop(1, 2)).toBeNull(); // = 4 x 0.5
    expect(stop(1, 2.01)).toBe('diverged');
  });

  it('the first step is its own best, however large; the factor is configurable', () => {
    const stop = createStopRule(2);
    expect(stop(1e9, 1e9)).toBeNull();
    expect(stop(1, 3)).toBeNull(); // best is now 3
    expect(stop(1, 6.5)).toBe('diverged');
  });

  it('a NaN or infinite raw or smoothed loss stops with non-finite', () => {
    for (const [l, s] of [
      [Number.NaN, 1],
      [1, Number.NaN],
      [Number.POSITIVE_INFINITY, 1],
      [1, Number.NEGATIVE_INFINITY],
    ]) {
      const stop = createStopRule();
      expect(stop(1, 1)).toBeNull();
      expect(stop(l, s)).toBe('non-finite');
    }
  });
});

describe('lr-find suggestion', () => {
  it('gradient is exact for a quadratic on uneven spacing, one-sided at the ends', () => {
    const x = [0, 1, 3, 3.5];
    const g = gradient(
      x,
      x.map((v) => v * v),
    );
    expect(g[1]).toBeCloseTo(2, 12);
    expect(g[2]).toBeCloseTo(6, 12);
    expect(g[0]).toBeCloseTo(1, 12); // (1 - 0) / 1
    expect(g[3]).toBeCloseTo((12.25 - 9) / 0.5, 12);
  });

  it('finds the steepest point of a synthetic curve: a tanh step centred at lr 3e-3', () => {
    const lrs = ramp(1e-6, 1, 200);
    const centre = Math.log10(3e-3);
    const loss = lrs.map((lr) => 2 - Math.tanh(1.5 * (Math.log10(lr) - centre)));
    const s = suggestLearningRate(lrs, loss);
    // the grid point nearest to the centre in log10 lr
    let nearest = 0;
    lrs.forEach((lr, i) => {
      if (Math.abs(Math.log10(lr) - centre) < Math.abs(Math.log10(lrs[nearest]) - centre))
        nearest = i;
    });
    expect(s).toEqual({ index: nearest, lr: lrs[nearest] });
    expect(s?.lr).toBeGreaterThan(2.8e-3);
    expect(s?.lr).toBeLessThan(3.2e-3);
  });

  it('skips the first 10 points and the last one, and non-finite points', () => {
    const lrs = ramp(1e-4, 1, 40);
    // a cliff between points 3 and 4 (skipped), a gentle slope, a cliff into the last point
    const loss = lrs.map((_, i) => (i < 4 ? 10 : 5 - i * 0.01 - (i === 25 ? 0.5 : 0)));
    loss[39] = -100;
    loss[30] = Number.NaN;
    const s = suggestLearningRate(lrs, loss);
    // steepest descent left: into point 25 (its left neighbour 24 has the most negative gradient)
    expect(s?.index).toBe(24);
    // without skipping, the cliff at the start wins (central differences at 3 and 4 span it;
    // 4's right neighbour is a little lower)
    expect(suggestLearningRate(lrs, loss, { skipBegin: 0 })?.index).toBe(4);
    // with the last point (-100, the new minimum) the step into it is the steepest
    expect(suggestLearningRate(lrs, loss, { skipBegin: 0, skipEnd: 0 })?.index).toBe(38);
  });

  it('looks only up to the lowest smoothed loss: a recovery from a spike is no descent', () => {
    const lrs = ramp(1e-5, 1, 60);
    // a gentle fall to a minimum at point 40, then a spike at 50 and its steep recovery
    const loss = lrs.map((_, i) => (i <= 40 ? 3 - i * 0.01 : 2.6 + (i - 40) * 0.02));
    loss[25] -= 0.05; // the steepest part of the fall: into point 25
    loss[50] = 6;
    loss[51] = 3;
    const s = suggestLearningRate(lrs, loss);
    expect(s?.index).toBe(24);
    // over all points (Lightning's rule) the recovery after the spike would be steeper
    const g = gradient(
      lrs.slice(10, 59).map((lr) => Math.log10(lr)),
      loss.slice(10, 59),
    );
    const steepest = g.indexOf(Math.min(...g)) + 10;
    expect(steepest).toBe(51);
  });

  it('is null with fewer than 2 usable points, or when the loss never falls', () => {
    const lrs = ramp(1e-4, 1, 30);
    expect(suggestLearningRate(lrs.slice(0, 12), lrs.slice(0, 12))).toBeNull();
    expect(
      suggestLearningRate(
        lrs,
        lrs.map((lr) => lr),
      ),
    ).toBeNull(); // rising loss
    expect(
      suggestLearningRate(
        lrs,
        lrs.map(() => Number.NaN),
      ),
    ).toBeNull();
    // flat up to float rounding is not a descent
    expect(
      suggestLearningRate(
        lrs,
        lrs.map((_, i) => 1 + (i % 2) * 2e-16),
      ),
    ).toBeNull();
    // a real, if small, descent is
    expect(
      suggestLearningRate(
        lrs,
        lrs.map((_, i) => 1 - i * 1e-6),
      ),
    ).not.toBeNull();
  });
});

describe('lr-find range test loop', () => {
  /** A loss that falls as log10 lr goes from -6 to -2, then climbs steeply. */
  const lossAt = (lr: number) => {
    const x = Math.log10(lr);
    return x < -2 ? 5 - 0.5 * (x + 6) : 3 + 40 * (x + 2) ** 2;
  };

  it('trains each step at the ramp rate, stops at divergence and keeps the stopping point', async () => {
    const seen: number[] = [];
    const r = await runRangeTest({
      start: 1e-6,
      end: 1,
      steps: 100,
      trainStep: (lr, step) => {
        expect(step).toBe(seen.length);
        seen.push(lr);
        return lossAt(lr);
      },
    });
    expect(r.reason).toBe('diverged');
    expect(r.points.length).toBe(seen.length);
    expect(r.stoppedAt).toBe(r.points.length - 1);
    expect(r.points.length).toBeLessThan(100);
    r.points.forEach((p, i) => {
      expect(p.lr).toBe(rampLearningRate(i, 1e-6, 1, 100));
      expect(p.loss).toBe(lossAt(p.lr));
    });
    // the smoothed values follow the EMA; the last is above 4x the best, the one before not
    const best = Math.min(...r.points.map((p) => p.smoothed));
    expect(r.points[r.points.length - 1].smoothed).toBeGreaterThan(4 * best);
    const prevBest = Math.min(...r.points.slice(0, -1).map((p) => p.smoothed));
    expect(r.points[r.points.length - 2].smoothed).toBeLessThanOrEqual(4 * prevBest);
    // the suggestion is a point of the descent (lr below 1e-2)
    expect(r.suggestion).not.toBeNull();
    expect(r.suggestion?.lr).toBeLessThan(1e-2);
    expect(r.suggestion?.lr).toBe(r.points[r.suggestion?.index ?? -1].lr);
  });

  it('runs all steps when nothing diverges (reason completed, stoppedAt null)', async () => {
    const r = await runRangeTest({ start: 1e-3, end: 1e-1, steps: 20, trainStep: () => 1 });
    expect(r.reason).toBe('completed');
    expect(r.stoppedAt).toBeNull();
    expect(r.points.length).toBe(20);
    // a flat loss never falls (its smoothed values differ only by float rounding)
    expect(r.suggestion).toBeNull();
  });

  it('stops at the first NaN loss, reason non-finite', async () => {
    const r = await runRangeTest({
      start: 1e-3,
      end: 1,
      steps: 50,
      trainStep: (_lr, step) => (step === 7 ? Number.NaN : 1),
    });
    expect(r.reason).toBe('non-finite');
    expect(r.stoppedAt).toBe(7);
    expect(r.points.length).toBe(8);
  });

  it('an aborted signal ends the test after the current step, reason interrupted', async () => {
    const c = new AbortController();
    const r = await runRangeTest({
      start: 1e-3,
      end: 1,
      steps: 50,
      signal: c.signal,
      trainStep: (_lr, step) => {
        if (step === 4) c.abort();
        return 1;
      },
    });
    expect(r.reason).toBe('interrupted');
    expect(r.points.length).toBe(5);
    expect(r.stoppedAt).toBe(4);
  });
});
