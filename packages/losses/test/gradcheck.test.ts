/**
 * Gradients (tf.grad, custom and autodiff) against central finite differences in float32 on
 * random inputs, including |logit| = 100, and finiteness on degenerate boxes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { checkGradient, randomBoxes, rng, values } from './helpers.js';

const { SUM, MEAN, SUM_BY_NONZERO_WEIGHTS } = tf.Reduction;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Loss = (t: tf.Tensor, p: tf.Tensor, o?: Record<string, unknown>) => tf.Tensor;

function randomTensor(shape: number[], r: () => number, f: (r: () => number) => number) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Array.from({ length: n }, () => f(r)),
    shape,
  );
}

const uniform = (lo: number, hi: number) => (r: () => number) => lo + (hi - lo) * r();
const binary = (r: () => number) => (r() < 0.4 ? 1 : 0);

interface Case {
  name: string;
  fn: Loss;
  opts?: Record<string, unknown>;
  target: (r: () => number) => number;
  pred: (r: () => number) => number;
  shape?: number[];
  h?: number;
}

const cases: Case[] = [
  {
    name: 'meanSquaredError',
    fn: L.meanSquaredError,
    target: uniform(-2, 2),
    pred: uniform(-2, 2),
  },
  {
    name: 'meanAbsoluteError',
    fn: L.meanAbsoluteError,
    target: uniform(-2, 2),
    pred: uniform(-2, 2),
    h: 1e-3,
  },
  {
    name: 'huberLoss',
    fn: L.huberLoss,
    opts: { delta: 0.7 },
    target: uniform(-2, 2),
    pred: uniform(-2, 2),
    h: 1e-3,
  },
  {
    name: 'smoothL1Loss',
    fn: L.smoothL1Loss,
    opts: { beta: 1 / 9 },
    target: uniform(-2, 2),
    pred: uniform(-2, 2),
    h: 1e-3,
  },
  { name: 'logCoshLoss', fn: L.logCoshLoss, target: uniform(-30, 30), pred: uniform(-30, 30) },
  {
    name: 'meanSquaredLogarithmicError',
    fn: L.meanSquaredLogarithmicError,
    target: uniform(0, 5),
    pred: uniform(0.1, 5),
  },
  {
    name: 'meanAbsolutePercentageError',
    fn: L.meanAbsolutePercentageError,
    target: uniform(0.5, 5),
    pred: uniform(0, 5),
    h: 1e-3,
  },
  {
    name: 'sigmoidCrossEntropy',
    fn: L.sigmoidCrossEntropy,
    opts: { labelSmoothing: 0.1 },
    target: binary,
    pred: uniform(-8, 8),
  },
  {
    name: 'sigmoidCrossEntropy |x|=100',
    fn: L.sigmoidCrossEntropy,
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  {
    name: 'binaryCrossentropy',
    fn: L.binaryCrossentropy,
    target: binary,
    pred: uniform(0.05, 0.95),
    h: 1e-3,
  },
  {
    name: 'binaryCrossentropy fromLogits |x|=100',
    fn: L.binaryCrossentropy,
    opts: { fromLogits: true },
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  { name: 'sigmoidFocalLoss', fn: L.sigmoidFocalLoss, target: binary, pred: uniform(-8, 8) },
  {
    name: 'sigmoidFocalLoss soft targets gamma 1.5',
    fn: L.sigmoidFocalLoss,
    opts: { gamma: 1.5, alpha: 0.4 },
    target: uniform(0, 1),
    pred: uniform(-6, 6),
  },
  {
    name: 'sigmoidFocalLoss |x|=100',
    fn: L.sigmoidFocalLoss,
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  {
    name: 'sigmoidFocalLoss gamma 0.5 |x|=100',
    fn: L.sigmoidFocalLoss,
    opts: { gamma: 0.5 },
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  {
    name: 'binaryFocalCrossentropy',
    fn: L.binaryFocalCrossentropy,
    opts: { applyClassBalancing: true },
    target: binary,
    pred: uniform(0.05, 0.95),
    h: 1e-3,
  },
  {
    name: 'binaryFocalCrossentropy fromLogits |x|=100',
    fn: L.binaryFocalCrossentropy,
    opts: { fromLogits: true, gamma: 0.5 },
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  {
    name: 'penaltyReducedFocalLoss',
    fn: L.penaltyReducedFocalLoss,
    target: (r) => (r() < 0.3 ? 1 : r()),
    pred: uniform(-8, 8),
  },
  {
    name: 'penaltyReducedFocalLoss |x|=100',
    fn: L.penaltyReducedFocalLoss,
    target: (r) => (r() < 0.3 ? 1 : r()),
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
  { name: 'hingeLoss', fn: L.hingeLoss, target: binary, pred: uniform(-3, 3), h: 1e-3 },
  {
    name: 'kullbackLeiblerDivergence',
    fn: L.kullbackLeiblerDivergence,
    target: uniform(0.05, 1),
    pred: uniform(0.05, 0.9),
  },
  { name: 'poisson', fn: L.poisson, target: uniform(0, 5), pred: uniform(0.2, 5) },
  {
    name: 'cosineSimilarity',
    fn: L.cosineSimilarity,
    target: uniform(-2, 2),
    pred: uniform(-2, 2),
  },
  {
    name: 'softmaxCrossEntropy',
    fn: L.softmaxCrossEntropy,
    opts: { labelSmoothing: 0.1 },
    target: uniform(0, 1),
    pred: uniform(-5, 5),
  },
  {
    name: 'softmaxCrossEntropy |x|=100',
    fn: L.softmaxCrossEntropy,
    target: binary,
    pred: (r) => (r() < 0.5 ? -100 : 100),
  },
];

describe('central finite differences (float32, random inputs)', () => {
  for (const c of cases) {
    for (const [rName, reduction] of [
      ['SUM', SUM],
      ['MEAN + weights', MEAN],
      ['SUM_BY_NONZERO_WEIGHTS + weights', SUM_BY_NONZERO_WEIGHTS],
    ] as const) {
      it(`${c.name}, ${rName}`, () => {
        const r = rng(c.name.length * 31 + rName.length);
        const shape = c.shape ?? [3, 4];
        const t = randomTensor(shape, r, c.target);
        const p = randomTensor(shape, r, c.pred);
        const rowLoss = [
          'softmaxCrossEntropy',
          'kullbackLeiblerDivergence',
          'cosineSimilarity',
        ].some((n) => c.name.startsWith(n));
        const weights =
          reduction === SUM
            ? undefined
            : rowLoss
              ? tf.tensor1d([0, 1.5, 0.5])
              : tf.tensor2d([[0], [1.5], [0.5]]);
        checkGradient(
          (x) => c.fn(t, x, { ...c.opts, weights, reduction }),
          p,
          c.h ?? 1e-2,
          2e-2,
          `${c.name} ${rName}`,
        );
        tf.dispose([t, p, weights as tf.Tensor]);
      });
    }
  }
});

describe('box losses: finite differences and degenerate boxes', () => {
  const boxFns: [string, Loss][] = [
    ['iouLoss', L.iouLoss],
    ['giouLoss', L.giouLoss],
    ['diouLoss', L.diouLoss],
    ['ciouLoss', L.ciouLoss],
  ];
  for (const [name, fn] of boxFns) {
    // CIoU's alpha is a constant in the gradient (torchvision), so its gradient is not the
    // derivative of its value: it is checked against torchvision's gradients in
    // reference.test.ts instead.
    if (name !== 'ciouLoss') {
      it(`${name}: random overlapping and disjoint boxes`, () => {
        const r = rng(name.length);
        const t = tf.tensor2d(randomBoxes(6, r));
        const p = tf.tensor2d(randomBoxes(6, r));
        checkGradient((x) => fn(t, x, { reduction: SUM }), p, 1e-2, 2e-2, name);
        // disjoint pairs: far apart
        const far = tf.tensor2d([
          [0, 0, 1, 2],
          [5, 5, 6, 7],
        ]);
        const far2 = tf.tensor2d([
          [3, 4, 5, 5.5],
          [10, 0, 12, 1],
        ]);
        checkGradient((x) => fn(far, x, { reduction: SUM }), far2, 1e-2, 2e-2, `${name} disjoint`);
        tf.dispose([t, p, far, far2]);
      });
    }

    for (const format of ['yxyx', 'xywh', 'cxcywh'] as const) {
      it(`${name}: format ${format} equals xyxy after conversion`, () => {
        const r = rng(7);
        const t = tf.tensor2d(randomBoxes(5, r));
        const p = tf.tensor2d(randomBoxes(5, r));
        const tc = L.convertBoxes(t, 'xyxy', format);
        const pc = L.convertBoxes(p, 'xyxy', format);
        const a = values(fn(t, p, { reduction: tf.Reduction.NONE }));
        const b = values(fn(tc, pc, { reduction: tf.Reduction.NONE, format }));
        for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
        tf.dispose([t, p, tc, pc]);
      });
    }

    it(`${name}: degenerate boxes give finite values and gradients`, () => {
      const targets = tf.tensor2d([
        [1, 1, 3, 4], // identical below
        [0, 0, 0, 0], // zero-size target
        [2, 2, 2, 2], // zero-size target, zero-size prediction at same point
        [0, 0, 1, 1], // zero-width prediction
        [0, 0, 1, 1], // zero-height prediction
        [0, 0, 1, 1], // far away
        [5, 5, 6, 6], // prediction zero-size inside
        [0, 0, 1, 1], // inverted prediction (x2 < x1), as an untrained regressor may output
        [0, 0, 1, 1], // fully inverted prediction
      ]);
      const preds = tf.tensor2d([
        [1, 1, 3, 4],
        [0, 0, 1, 1],
        [2, 2, 2, 2],
        [0.5, 0, 0.5, 1],
        [0, 0.5, 1, 0.5],
        [1e4, 1e4, 1e4 + 1, 1e4 + 1],
        [5.5, 5.5, 5.5, 5.5],
        [1, 0, 0, 1],
        [3, 3, -1, -2],
      ]);
      const v = values(fn(targets, preds, { reduction: tf.Reduction.NONE }));
      expect(v.every(Number.isFinite)).toBe(true);
      expect(v[0]).toBeCloseTo(0, 5); // identical boxes
      const g = values(
        tf.grad((x: tf.Tensor) => fn(targets, x, { reduction: SUM }) as tf.Scalar)(preds),
      );
      expect(g.every(Number.isFinite)).toBe(true);
      tf.dispose([targets, preds]);
    });
  }

  it('boxIou / generalizedBoxIou: zero-area pairs give 0 and finite gradients', () => {
    const a = tf.tensor2d([
      [0, 0, 0, 0],
      [0, 0, 2, 2],
    ]);
    const b = tf.tensor2d([
      [0, 0, 0, 0],
      [1, 1, 3, 3],
      [5, 5, 5, 5],
    ]);
    for (const f of [L.boxIou, L.generalizedBoxIou]) {
      const v = values(f(a, b));
      expect(v.every(Number.isFinite)).toBe(true);
      expect(v[0]).toBe(0);
      const g = values(tf.grad((x: tf.Tensor) => tf.sum(f(x, b)) as tf.Scalar)(a));
      expect(g.every(Number.isFinite)).toBe(true);
    }
    tf.dispose([a, b]);
  });
});

describe('TF OD API localization losses: finite differences', () => {
  for (const [name, fn] of [
    ['weightedSmoothL1LocalizationLoss', L.weightedSmoothL1LocalizationLoss],
    ['weightedL2LocalizationLoss', L.weightedL2LocalizationLoss],
  ] as const) {
    it(name, () => {
      const r = rng(3);
      const t = randomTensor([2, 3, 4], r, uniform(-2, 2));
      const p = randomTensor([2, 3, 4], r, uniform(-2, 2));
      const w = tf.tensor2d([
        [1, 0, 2],
        [0.5, 1, 0],
      ]);
      checkGradient((x) => fn(t, x, { weights: w }), p, 1e-3, 2e-2, name);
      tf.dispose([t, p, w]);
    });
  }
});
