import { describe, expect, it } from 'vitest';
import { ScheduleOptionError, ScheduleStepError, torch } from '../src/index.js';
import { evalAt, expectClose } from './helpers.js';

// Ported from test/optim/test_lrscheduler.py (PyTorch).
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lr = 0.05;

describe('torch: upstream test_lrscheduler vectors', () => {
  it('StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR', () => {
    expectClose(evalAt(torch.stepLR({ lr, stepSize: 3, gamma: 0.1 }), range(10)), [
      ...Array(3).fill(0.05),
      ...Array(3).fill(0.005),
      ...Array(3).fill(0.0005),
      0.00005,
    ]);
    expectClose(evalAt(torch.multiStepLR({ lr, milestones: [2, 5, 9], gamma: 0.1 }), range(10)), [
      ...Array(2).fill(0.05),
      ...Array(3).fill(0.005),
      ...Array(4).fill(0.0005),
      0.00005,
    ]);
    expectClose(evalAt(torch.constantLR({ lr, factor: 1 / 2, totalIters: 5 }), range(10)), [
      ...Array(5).fill(0.025),
      ...Array(5).fill(0.05),
    ]);
    expectClose(evalAt(torch.linearLR({ lr, startFactor: 1 / 2, totalIters: 4 }), range(10)), [
      0.025,
      0.03125,
      0.0375,
      0.04375,
      ...Array(6).fill(0.05),
    ]);
    expectClose(
      evalAt(torch.exponentialLR({ lr, gamma: 0.9 }), range(10)),
      range(10).map((x) => 0.05 * 0.9 ** x),
    );
    expectClose(
      evalAt(torch.polynomialLR({ lr, totalIters: 4, power: 0.9 }), range(10)),
      range(10).map((x) => 0.05 * (1 - Math.min(x, 4) / 4) ** 0.9),
    );
  });

  it('CosineAnnealingLR and CosineAnnealingWarmRestarts', () => {
    const etaMin = 1e-10;
    expectClose(
      evalAt(torch.cosineAnnealingLR({ lr, tMax: 10, etaMin }), range(10)),
      range(10).map((x) => etaMin + ((0.05 - etaMin) * (1 + Math.cos((Math.PI * x) / 10))) / 2),
    );
    for (const [t0, tMult] of [
      [10, 1],
      [10, 2],
      [2, 3],
    ]) {
      // The test's oracle: iterate T_cur / T_i exactly like the scheduler.
      const expected: number[] = [];
      let tCur = 0;
      let tI = t0;
      for (let i = 0; i < 100; i++) {
        expected.push(etaMin + ((0.05 - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
        tCur += 1;
        if (tCur >= tI) {
          tCur -= tI;
          tI *= tMult;
        }
      }
      expectClose(
        evalAt(torch.cosineAnnealingWarmRestarts({ lr, t0, tMult, etaMin }), range(100)),
        expected,
      );
    }
  });

  it('CyclicLR triangular / triangular2 / exp_range with momentum', () => {
    const base = { baseLr: 1, maxLr: 5, stepSizeUp: 4, baseMomentum: 1, maxMomentum: 5 };
    const tri = { ...base, mode: 'triangular' as const };
    expectClose(evalAt(torch.cyclicLR(tri), range(11)), [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]);
    expectClose(evalAt(torch.cyclicLRMomentum(tri), range(11)), [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3]);
    // cycle_momentum=False leaves the optimizer's momentum alone: we return maxMomentum.
    expectClose(
      evalAt(torch.cyclicLRMomentum({ ...tri, cycleMomentum: false }), range(3)),
      [5, 5, 5],
    );
    const tri2 = { ...base, mode: 'triangular2' as const };
    expectClose(
      evalAt(torch.cyclicLR(tri2), range(22)),
      [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.5, 1.75, 2.0, 1.75],
    );
    expectClose(
      evalAt(torch.cyclicLRMomentum(tri2), range(22)),
      [5, 4, 3, 2, 1, 2, 3, 4, 5, 4.5, 4, 3.5, 3, 3.5, 4, 4.5, 5, 4.75, 4.5, 4.25, 4, 4.25],
    );
    const xs = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, 0, 0.25, 0.5, 0.75, 1];
    const exp = { ...base, mode: 'exp_range' as const, gamma: 0.9 };
    expectClose(
      evalAt(torch.cyclicLR(exp), range(13)),
      xs.map((x, i) => 1 + x * 4 * 0.9 ** i),
    );
    expectClose(
      evalAt(torch.cyclicLRMomentum(exp), range(13)),
      xs.map((x, i) => 5 - x * 4 * 0.9 ** i),
    );
    const upDown = { ...tri, stepSizeDown: 6 };
    expectClose(evalAt(torch.cyclicLR(upDown), range(11)), [
      1,
      2,
      3,
      4,
      5,
      13 / 3,
      11 / 3,
      9 / 3,
      7 / 3,
      5 / 3,
      1,
    ]);
    expectClose(evalAt(torch.cyclicLRMomentum(upDown), range(11)), [
      5,
      4,
      3,
      2,
      1,
      5 / 3,
      7 / 3,
      3,
      11 / 3,
      13 / 3,
      5,
    ]);
  });

  it('OneCycleLR linear, three-phase and cosine annealing with momentum', () => {
    const lin = {
      maxLr: 25,
      finalDivFactor: 2,
      baseMomentum: 1,
      maxMomentum: 22,
      totalSteps: 10,
      annealStrategy: 'linear' as const,
    };
    expectClose(
      evalAt(torch.oneCycleLR(lin), range(10)),
      [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5],
    );
    expectClose(
      evalAt(torch.oneCycleLRMomentum(lin), range(10)),
      [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22],
    );
    const three = { ...lin, divFactor: 25, pctStart: 0.4, finalDivFactor: 4, threePhase: true };
    expectClose(
      evalAt(torch.oneCycleLR(three), range(10)),
      [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25],
    );
    expectClose(
      evalAt(torch.oneCycleLRMomentum(three), range(10)),
      [22, 15, 8, 1, 8, 15, 22, 22, 22, 22],
    );
    const annealingCos = (start: number, end: number, pct: number) =>
      end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    const cos = { ...lin, annealStrategy: 'cos' as const };
    expectClose(evalAt(torch.oneCycleLR(cos), range(10)), [
      1,
      13,
      25,
      ...[1, 2, 3, 4, 5, 6].map((k) => annealingCos(25, 0.5, k / 7)),
      0.5,
    ]);
    expectClose(evalAt(torch.oneCycleLRMomentum(cos), range(10)), [
      22,
      11.5,
      1,
      ...[1, 2, 3, 4, 5, 6].map((k) => annealingCos(1, 22, k / 7)),
      22,
    ]);
  });

  it('OneCycleLR: invalid options and steps past totalSteps raise, like torch', () => {
    expect(() =>
      torch.oneCycleLR({ maxLr: 1e-3, totalSteps: 10, annealStrategy: 'CATS' as never }),
    ).toThrow(ScheduleOptionError);
    expect(() => torch.oneCycleLR({ maxLr: 1e-3, totalSteps: 10, pctStart: 1.1 })).toThrow(
      /pctStart/,
    );
    expect(() => torch.oneCycleLR({ maxLr: 1e-3 })).toThrow(/totalSteps/);
    const s = torch.oneCycleLR({ maxLr: 1, epochs: 2, stepsPerEpoch: 5 });
    expect(s.spec.options.totalSteps).toBe(10);
    expect(() => s(10)).not.toThrow();
    expect(() => s(11)).toThrow(ScheduleStepError);
  });

  it('CyclicLR: invalid mode raises', () => {
    expect(() => torch.cyclicLR({ baseLr: 1, maxLr: 2, mode: 'CATS' as never })).toThrow(
      ScheduleOptionError,
    );
  });

  it('SequentialLR: each scheduler restarts at its milestone (test_sequentiallr1)', () => {
    const s = torch.sequentialLR({
      schedulers: [
        torch.exponentialLR({ lr, gamma: 0.8 }),
        torch.stepLR({ lr, gamma: 0.1, stepSize: 4 }),
      ],
      milestones: [3],
    });
    expectClose(evalAt(s, range(19)), [
      0.05,
      0.04,
      0.032,
      ...Array(4).fill(0.05),
      ...Array(4).fill(0.05 * 0.1),
      ...Array(4).fill(0.05 * 0.01),
      ...Array(4).fill(0.05 * 0.001),
    ]);
  });

  it('rejects invalid options where torch raises', () => {
    expect(() => torch.constantLR({ lr, factor: 1.5 })).toThrow(/factor/);
    expect(() => torch.linearLR({ lr, startFactor: 0 })).toThrow(/startFactor/);
    expect(() => torch.linearLR({ lr, endFactor: 1.5 })).toThrow(/endFactor/);
    expect(() => torch.cosineAnnealingWarmRestarts({ lr, t0: 0 })).toThrow(/t0/);
    expect(() => torch.cosineAnnealingWarmRestarts({ lr, t0: 10, tMult: 1.5 })).toThrow(/tMult/);
    expect(() => torch.multiStepLR({ lr, milestones: [5, 2] })).toThrow(/milestones/);
    expect(() =>
      torch.sequentialLR({
        schedulers: [torch.exponentialLR({ lr, gamma: 0.9 })],
        milestones: [3],
      }),
    ).toThrow(/milestones/);
  });
});
