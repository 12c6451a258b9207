import { describe, expect, it } from 'vitest';
import { darknet, ScheduleOptionError, ScheduleStepError, ultralytics } from '../src/index.js';
import { evalAt, expectClose } from './helpers.js';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

// Oracle: darknet's get_current_rate (src/network.c, sgdr from AlexeyAB/darknet), transcribed
// branch by branch, stepping the sgdr cycle loop exactly as the C code does.
function getCurrentRate(net: Record<string, number | number[] | string>, batch: number): number {
  const lr = net.learningRate as number;
  const burnIn = (net.burnIn as number) ?? 0;
  const power = (net.power as number) ?? 4;
  if (batch < burnIn) return lr * (batch / burnIn) ** power;
  switch (net.policy) {
    case 'constant':
      return lr;
    case 'step':
      return lr * (net.scale as number) ** Math.trunc(batch / (net.step as number));
    case 'exp':
      return lr * (net.gamma as number) ** batch;
    case 'poly':
      return lr * (1 - batch / (net.maxBatches as number)) ** power;
    case 'sig':
      return lr * (1 / (1 + Math.exp((net.gamma as number) * (batch - (net.step as number)))));
    case 'sgdr': {
      let start = 0;
      let size = net.sgdrCycle as number;
      while (start + size < batch) {
        start += size;
        size *= net.sgdrMult as number;
      }
      const min = net.learningRateMin as number;
      // biome-ignore lint/suspicious/noApproximativeNumericConstant: darknet's literal
      const pi = 3.14159265;
      return min + 0.5 * (lr - min) * (1 + Math.cos(((batch - start) * pi) / size));
    }
    default:
      throw new Error('unknown policy');
  }
}

describe('darknet.schedule', () => {
  const configs: Record<string, number | number[] | string>[] = [
    { learningRate: 0.001, policy: 'constant', burnIn: 10, power: 4 },
    { learningRate: 0.1, policy: 'step', step: 7, scale: 0.5, burnIn: 3, power: 2 },
    { learningRate: 0.1, policy: 'exp', gamma: 0.99 },
    { learningRate: 0.01, policy: 'poly', maxBatches: 200, power: 4, burnIn: 20 },
    { learningRate: 0.01, policy: 'sig', gamma: 0.1, step: 50 },
    { learningRate: 0.01, policy: 'sgdr', sgdrCycle: 10, sgdrMult: 2, learningRateMin: 0.0001 },
    { learningRate: 0.01, policy: 'sgdr', sgdrCycle: 7, sgdrMult: 1, learningRateMin: 0.0001 },
  ];
  for (const net of configs) {
    it(`matches get_current_rate for policy ${net.policy}`, () => {
      const s = darknet.schedule(net as never);
      const steps = range(201);
      expectClose(
        evalAt(s, steps),
        steps.map((b) => getCurrentRate(net, b)),
      );
    });
  }

  it('poly refuses steps past maxBatches; bad options throw', () => {
    const s = darknet.schedule({ learningRate: 0.01, policy: 'poly', maxBatches: 100 });
    expect(s(100)).toBe(0);
    expect(() => s(101)).toThrow(ScheduleStepError);
    expect(() =>
      darknet.schedule({ learningRate: 0.01, policy: 'steps', steps: [10, 20], scales: [0.1] }),
    ).toThrow(ScheduleOptionError);
    expect(() => darknet.schedule({ learningRate: 0.01, policy: 'cosine' as never })).toThrow(
      /policy/,
    );
    expect(() => darknet.schedule({ learningRate: 0.01, policy: 'poly' })).toThrow(/maxBatches/);
    expect(() => darknet.schedule({ learningRate: 0.01, burnIn: -1 })).toThrow(/burnIn/);
  });
});

// Oracle: Ultralytics BaseTrainer (_setup_scheduler + the warm-up block of _do_train), with
// numpy.interp written out.
function yolo(o: {
  lr0: number;
  lrf: number;
  epochs: number;
  nb: number;
  warmupEpochs: number;
  warmupBiasLr: number;
  warmupMomentum: number;
  momentum: number;
  cosLr: boolean;
}) {
  const lf = o.cosLr
    ? (x: number) => Math.max((1 - Math.cos((x * Math.PI) / o.epochs)) / 2, 0) * (o.lrf - 1) + 1
    : (x: number) => Math.max(1 - x / o.epochs, 0) * (1 - o.lrf) + o.lrf;
  const nw = o.warmupEpochs > 0 ? Math.max(Math.round(o.warmupEpochs * o.nb), 100) : -1;
  const interp = (x: number, x1: number, y0: number, y1: number) => y0 + ((y1 - y0) * x) / x1;
  const out: { weights: number[]; bias: number[]; momentum: number[] } = {
    weights: [],
    bias: [],
    momentum: [],
  };
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const lr = o.lr0 * lf(epoch);
    for (let i = 0; i < o.nb; i++) {
      const ni = i + o.nb * epoch;
      if (ni <= nw) {
        out.bias.push(interp(ni, nw, o.warmupBiasLr, lr));
        out.weights.push(interp(ni, nw, 0, lr));
        out.momentum.push(interp(ni, nw, o.warmupMomentum, o.momentum));
      } else {
        out.bias.push(lr);
        out.weights.push(lr);
        out.momentum.push(o.momentum);
      }
    }
  }
  return out;
}

describe('ultralytics.schedule / momentum', () => {
  for (const cosLr of [false, true]) {
    for (const nb of [17, 60]) {
      it(`matches the trainer's per-iteration values (cosLr ${cosLr}, ${nb} batches/epoch)`, () => {
        const o = {
          lr0: 0.01,
          lrf: 0.01,
          epochs: 12,
          nb,
          warmupEpochs: 3,
          warmupBiasLr: 0.1,
          warmupMomentum: 0.8,
          momentum: 0.937,
          cosLr,
        };
        const want = yolo(o);
        const common = {
          lr0: o.lr0,
          lrf: o.lrf,
          epochs: o.epochs,
          iterationsPerEpoch: nb,
          warmupEpochs: 3,
          warmupBiasLr: 0.1,
          cosLr,
        };
        const steps = range(o.epochs * nb);
        expectClose(evalAt(ultralytics.schedule(common), steps), want.weights);
        expectClose(
          evalAt(ultralytics.schedule({ ...common, paramGroup: 'bias' }), steps),
          want.bias,
        );
        expectClose(
          evalAt(ultralytics.momentum({ iterationsPerEpoch: nb, warmupEpochs: 3 }), steps),
          want.momentum,
        );
        // One options object serves both functions.
        const both = { ...common, warmupMomentum: 0.8, momentum: 0.937 };
        expectClose(evalAt(ultralytics.momentum(both), steps), want.momentum);
        expectClose(evalAt(ultralytics.schedule(both), steps), want.weights);
      });
    }
  }

  it('rounds the warm-up length half to even like Python', () => {
    // warmupEpochs * nb = 250.5 -> round() = 250 in Python (Math.round would give 251).
    const s = ultralytics.momentum({
      iterationsPerEpoch: 501,
      warmupEpochs: 0.5,
      warmupMomentum: 0,
      momentum: 1,
    });
    expect(s(125)).toBeCloseTo(125 / 250, 12);
  });

  it('validates options', () => {
    expect(() => ultralytics.schedule({ iterationsPerEpoch: 0 })).toThrow(/iterationsPerEpoch/);
    expect(() =>
      ultralytics.schedule({ iterationsPerEpoch: 10, paramGroup: 'bn' as never }),
    ).toThrow(/paramGroup/);
  });
});
