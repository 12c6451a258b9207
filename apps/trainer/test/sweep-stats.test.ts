import { describe, expect, it } from 'vitest';
import { analyzeSweep, settingName } from '../src/sweep/analysis.js';
import type { SweepRun } from '../src/sweep/record.js';
import {
  bootstrapMeanCI,
  mean,
  pairedDifferences,
  quantileSorted,
  sampleStd,
} from '../src/sweep/stats.js';

describe('sweep statistics (tfjs-free)', () => {
  it('quantiles interpolate as numpy.quantile (method linear)', () => {
    // numpy 2: np.quantile([1,2,3,4], .25) = 1.75, (.975) = 3.925,
    // np.quantile([.1,.3,.5,.7,.9], .1) = 0.18
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
    expect(quantileSorted([0.1, 0.3, 0.5, 0.7, 0.9], 0.1)).toBeCloseTo(0.18, 12);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it('mean and sample std', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(sampleStd([1, 2, 3, 6])).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(sampleStd([5])).toBe(0);
    expect(mean([])).toBeNaN();
  });

  it('bootstrap: hand-computable cases', () => {
    // all values equal: every resample has that mean
    expect(bootstrapMeanCI([0.3, 0.3, 0.3])).toEqual({ mean: 0.3, lo: 0.3, hi: 0.3, n: 3 });
    // {0, 1}: resample means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 2.5% and
    // 97.5% quantiles are the atoms 0 and 1
    const two = bootstrapMeanCI([0, 1]);
    expect([two.lo, two.hi, two.mean]).toEqual([0, 1, 0.5]);
    // 3 values: the 27 equally likely resamples put 1/27 (3.7%) on each extreme mean, so the
    // interval is [min, max]
    const three = bootstrapMeanCI([0.1, 0.4, 1.0]);
    expect(three.lo).toBeCloseTo(0.1, 12);
    expect(three.hi).toBeCloseTo(1.0, 12);
    // 4 values {0, 0, 0, 1}: P(mean = 0) = (3/4)^4 = 31.6% > 2.5%, so lo = 0; P(mean >= 0.5)
    // = 1 - P(<= 1 one) = 1 - (81 + 108) / 256 = 26.2%, P(mean >= 0.75) = 13/256 = 5.1% and
    // P(mean = 1) = 1/256 = 0.4%, so the 97.5% quantile is 0.75
    const four = bootstrapMeanCI([0, 0, 0, 1]);
    expect([four.lo, four.hi]).toEqual([0, 0.75]);
  });

  it('bootstrap matches numpy resampling (1,000,000 resamples) within Monte Carlo error', () => {
    // reference: numpy 2, rng = default_rng(0), 1e6 resamples of these 8 values:
    // quantile(means, .025) = 0.13, quantile(means, .975) = 0.28375
    const xs = [0.12, 0.31, 0.05, 0.22, 0.4, 0.18, 0.27, 0.09];
    const ci = bootstrapMeanCI(xs, { resamples: 10_000, seed: 7 });
    expect(ci.mean).toBeCloseTo(0.205, 12);
    expect(Math.abs(ci.lo - 0.13)).toBeLessThan(0.005);
    expect(Math.abs(ci.hi - 0.28375)).toBeLessThan(0.005);
  });

  it('bootstrap is seeded (same seed, same interval) and refuses bad input', () => {
    const xs = [0.12, 0.31, 0.05, 0.22, 0.4];
    expect(bootstrapMeanCI(xs, { seed: 3 })).toEqual(bootstrapMeanCI(xs, { seed: 3 }));
    const a = bootstrapMeanCI(xs, { seed: 3, resamples: 50 });
    const b = bootstrapMeanCI(xs, { seed: 4, resamples: 50 });
    expect([a.lo, a.hi]).not.toEqual([b.lo, b.hi]);
    expect(() => bootstrapMeanCI(xs, { resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapMeanCI(xs, { level: 1 })).toThrow(/level/);
    expect(() => bootstrapMeanCI([0.1, Number.NaN])).toThrow(/finite/);
    expect(bootstrapMeanCI([]).n).toBe(0);
  });

  it('paired differences use only the seeds both sides have', () => {
    const a = new Map([
      [0, 0.5],
      [1, 0.25],
      [2, 0.75],
    ]);
    const b = new Map([
      [2, 0.5],
      [0, 0.25],
    ]);
    expect(pairedDifferences(a, b)).toEqual({ keys: [0, 2], diffs: [0.25, 0.25] });
  });
});

function run(
  peak: string,
  steps: string,
  seed: number,
  status: SweepRun['status'],
  finalAP: number | null,
): SweepRun {
  return {
    id: `${peak}-${steps}-${seed}`,
    seed,
    labels: {
      learningRateBase: peak,
      burninSteps: steps,
      burninLearningRate: steps === '0' ? '-' : '0.1x',
    },
    params: { learningRateBase: Number(peak), burninSteps: Number(steps) },
    status,
    step: 100,
    finalAP,
    finalAP50: finalAP,
    bestAP: finalAP,
    bestAP50: finalAP,
    stepsToAP50: null,
    wallTimeSec: 1,
    cpuTimeSec: 1,
    threads: 1,
    backend: 'cpu',
    loss: [],
  };
}

describe('sweep analysis', () => {
  const names = ['learningRateBase', 'burninSteps', 'burninLearningRate'];
  const runs = [
    run('1e-3', '0', 0, 'completed', 0.2),
    run('1e-3', '0', 1, 'completed', 0.3),
    run('1e-3', '100', 0, 'completed', 0.25),
    run('1e-3', '100', 1, 'completed', 0.4),
    run('1e-2', '0', 0, 'diverged', 0.1),
    run('1e-2', '0', 1, 'completed', 0.1),
    run('1e-2', '100', 0, 'completed', 0.5),
    run('1e-2', '100', 1, 'pending', null),
  ];
  const a = analyzeSweep(runs, names);

  it('names settings and finds the no-burn-in baseline', () => {
    expect(a.groups.map((g) => [g.name, g.baseline])).toEqual([
      ['no burn-in', true],
      ['burn-in 100 @ 0.1x', false],
    ]);
    expect(settingName({ burninSteps: '0', x: '2' }, ['burninSteps', 'x'])).toBe('no burn-in, x 2');
  });

  it('a diverged run counts final AP 0; unfinished runs are left out', () => {
    const none = a.groups[0].points;
    expect(none[1]).toMatchObject({ x: '1e-2', finished: 2, total: 2, diverged: 1 });
    expect(none[1].finalAP.mean).toBeCloseTo(0.05, 12);
    const burn = a.groups[1].points[1];
    expect(burn).toMatchObject({ finished: 1, total: 2, diverged: 0 });
    expect(a.groups[0].highestStable).toBe('1e-3');
    expect(a.groups[1].highestStable).toBe('1e-2');
  });

  it('pairs burn-in with no burn-in seed by seed', () => {
    expect(a.paired.map((p) => [p.x, p.seeds, p.finalAPDiffs.map((d) => +d.toFixed(6))])).toEqual([
      ['1e-3', [0, 1], [0.05, 0.1]],
      ['1e-2', [0], [0.5]],
    ]);
    expect(a.paired[0].finalAP.mean).toBeCloseTo(0.075, 12);
    expect(a.paired[0].finalAP.lo).toBeCloseTo(0.05, 12);
    expect(a.paired[0].finalAP.hi).toBeCloseTo(0.1, 12);
    expect(a.best).toEqual({ group: 'burn-in 100 @ 0.1x', x: '1e-2', finalAP: 0.5, burnin: true });
  });
});
