/**
 * Test vectors ported from upstream test suites: Keras (keras/src/losses/losses_test.py),
 * TF Object Detection API (object_detection/core/losses_test.py) and torchvision
 * (test/test_ops.py). Expected numbers are theirs; where their test computes the expectation
 * with a numpy formula, the same formula is written here in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  binaryCrossentropy,
  binaryFocalCrossentropy,
  boxIou,
  ciouLoss,
  cosineSimilarity,
  diouLoss,
  generalizedBoxIou,
  giouLoss,
  hingeLoss,
  huberLoss,
  kullbackLeiblerDivergence,
  logCoshLoss,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
  penaltyReducedFocalLoss,
  poisson,
  sigmoidCrossEntropy,
  sigmoidFocalLoss,
  softmaxCrossEntropy,
  weightedL2LocalizationLoss,
  weightedSmoothL1LocalizationLoss,
} from '../src/index.js';
import { expectClose, values } from './helpers.js';

const { NONE, SUM, MEAN } = tf.Reduction;
const scalarOf = (t: tf.Tensor) => values(t)[0];
const rowMeans = (t: tf.Tensor) => values(tf.tidy(() => tf.mean(t, -1)));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Keras losses_test.py', () => {
  const yTrue = () =>
    tf.tensor([
      [1, 9, 2],
      [-5, -2, 6],
    ]);
  const yPred = () =>
    tf.tensor([
      [4, 8, 12],
      [8, 1, 3],
    ]);
  const sample = () => tf.tensor([[1.2], [3.4]]);

  it('MeanSquaredError', () => {
    const [t, p, w] = [yTrue(), yPred(), sample()];
    expect(scalarOf(meanSquaredError(t, p))).toBeCloseTo(49.5, 4);
    expect(scalarOf(meanSquaredError(t, p, { weights: 2.3 }))).toBeCloseTo(113.85, 3);
    expect(scalarOf(meanSquaredError(t, p, { weights: w }))).toBeCloseTo(767.8 / 6, 3);
    expect(scalarOf(meanSquaredError(t, t))).toBe(0);
    expect(scalarOf(meanSquaredError(t, p, { weights: 0 }))).toBe(0);
    expectClose(
      rowMeans(meanSquaredError(t, p, { weights: 2.3, reduction: NONE })),
      [84.3333, 143.3666],
      1e-5,
      1e-3,
    );
    tf.dispose([t, p, w]);
  });

  it('MeanAbsoluteError', () => {
    const [t, p, w] = [yTrue(), yPred(), sample()];
    expect(scalarOf(meanAbsoluteError(t, p))).toBeCloseTo(5.5, 5);
    expect(scalarOf(meanAbsoluteError(t, p, { weights: 2.3 }))).toBeCloseTo(12.65, 4);
    expect(scalarOf(meanAbsoluteError(t, p, { weights: w }))).toBeCloseTo(81.4 / 6, 4);
    expectClose(
      rowMeans(meanAbsoluteError(t, p, { weights: 2.3, reduction: NONE })),
      [10.7333, 14.5666],
      1e-5,
      1e-3,
    );
    tf.dispose([t, p, w]);
  });

  it('MeanAbsolutePercentageError', () => {
    const [t, p, w] = [yTrue(), yPred(), sample()];
    expect(scalarOf(meanAbsolutePercentageError(t, p))).toBeCloseTo(211.8518, 3);
    expect(scalarOf(meanAbsolutePercentageError(t, p, { weights: 2.3 }))).toBeCloseTo(487.259, 2);
    expect(scalarOf(meanAbsolutePercentageError(t, p, { weights: w }))).toBeCloseTo(422.8888, 2);
    expect(scalarOf(meanAbsolutePercentageError(t, t))).toBe(0);
    tf.dispose([t, p, w]);
  });

  it('MeanSquaredLogarithmicError', () => {
    const [t, p, w] = [yTrue(), yPred(), sample()];
    expect(scalarOf(meanSquaredLogarithmicError(t, p))).toBeCloseTo(1.437, 3);
    expect(scalarOf(meanSquaredLogarithmicError(t, p, { weights: 2.3 }))).toBeCloseTo(3.3051, 3);
    expect(scalarOf(meanSquaredLogarithmicError(t, p, { weights: w }))).toBeCloseTo(3.7856, 3);
    tf.dispose([t, p, w]);
  });

  it('Hinge (targets in {0, 1})', () => {
    const t = tf.tensor([
      [0, 1],
      [0, 0],
    ]);
    const p = tf.tensor([
      [0.6, 0.4],
      [0.4, 0.6],
    ]);
    expect(scalarOf(hingeLoss(t, p))).toBeCloseTo(1.3, 5);
    expectClose(rowMeans(hingeLoss(t, p, { reduction: NONE })), [1.1, 1.5], 1e-5);
    tf.dispose([t, p]);
  });

  it('CosineSimilarity', () => {
    const [t, p] = [yTrue(), yPred()];
    const cos = [100 / Math.sqrt(86 * 224), -24 / Math.sqrt(65 * 74)];
    expect(scalarOf(cosineSimilarity(t, p))).toBeCloseTo(-(cos[0] + cos[1]) / 2, 5);
    const w = tf.tensor1d([1.2, 3.4]);
    expect(scalarOf(cosineSimilarity(t, p, { weights: w }))).toBeCloseTo(
      -(cos[0] * 1.2 + cos[1] * 3.4) / 2,
      5,
    );
    expectClose(
      values(cosineSimilarity(t, p, { axis: 1, reduction: NONE })),
      cos.map((c) => -c),
      1e-5,
    );
    tf.dispose([t, p, w]);
  });

  it('Huber', () => {
    const t = tf.tensor([
      [1, 0, 1],
      [1, 0, 0],
    ]);
    const p = tf.tensor([
      [0.9, 0.2, 0.2],
      [0.8, 0.4, 0.6],
    ]);
    const huber = (e: number, d: number) =>
      Math.abs(e) <= d ? 0.5 * e * e : d * (Math.abs(e) - 0.5 * d);
    const errs = [-0.1, 0.2, -0.8, -0.2, 0.4, 0.6];
    const sum = (d: number) => errs.reduce((a, e) => a + huber(e, d), 0);
    expect(scalarOf(huberLoss(t, p))).toBeCloseTo(sum(1) / 6, 5);
    expect(scalarOf(huberLoss(t, p, { weights: 2.3, delta: 0.8 }))).toBeCloseTo(
      (2.3 * sum(0.8)) / 6,
      5,
    );
    expect(scalarOf(huberLoss(t, p, { delta: 0.15 }))).toBeCloseTo(sum(0.15) / 6, 5);
    tf.dispose([t, p]);
  });

  it('LogCosh (stable for |error| = 13, where cosh would be large)', () => {
    const [t, p] = [yTrue(), yPred()];
    const errs = [3, -1, 10, 13, 3, -3];
    const expected = errs.reduce((a, e) => a + Math.log(Math.cosh(e)), 0) / 6;
    expect(scalarOf(logCoshLoss(t, p))).toBeCloseTo(expected, 4);
    expect(scalarOf(logCoshLoss(t, p, { weights: 2.3 }))).toBeCloseTo(2.3 * expected, 3);
    tf.dispose([t, p]);
  });

  it('KLDivergence', () => {
    const tv = [0.5, 0.8, 0.12, 0.7, 0.43, 0.8];
    const pv = [0.4, 0.9, 0.12, 0.36, 0.3, 0.4];
    const t = tf.tensor(tv, [2, 3]);
    const p = tf.tensor(pv, [2, 3]);
    const terms = tv.map((x, i) => x * Math.log(x / pv[i]));
    const total = terms.reduce((a, b) => a + b, 0);
    expect(scalarOf(kullbackLeiblerDivergence(t, p))).toBeCloseTo(total / 2, 5);
    expect(scalarOf(kullbackLeiblerDivergence(t, p, { weights: 2.3 }))).toBeCloseTo(
      (2.3 * total) / 2,
      5,
    );
    const w = tf.tensor1d([1.2, 3.4]);
    const weighted = terms.reduce((a, b, i) => a + b * (i < 3 ? 1.2 : 3.4), 0);
    expect(scalarOf(kullbackLeiblerDivergence(t, p, { weights: w }))).toBeCloseTo(weighted / 2, 5);
    tf.dispose([t, p, w]);
  });

  it('Poisson', () => {
    const pv = [1, 9, 2, 5, 2, 6];
    const tv = [4, 8, 12, 8, 1, 3];
    const t = tf.tensor(tv, [2, 3]);
    const p = tf.tensor(pv, [2, 3]);
    const terms = pv.map((x, i) => x - tv[i] * Math.log(x));
    const total = terms.reduce((a, b) => a + b, 0);
    expect(scalarOf(poisson(t, p))).toBeCloseTo(total / 6, 4);
    expect(scalarOf(poisson(t, p, { weights: 2.3 }))).toBeCloseTo((2.3 * total) / 6, 4);
    tf.dispose([t, p]);
  });

  it('BinaryCrossentropy (probabilities and logits)', () => {
    const eye = tf.tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const probs = tf.tensor([
      [0.9, 0.1, 0.2],
      [0.3, 0.8, 0.1],
      [0.1, 0.2, 0.7],
    ]);
    expect(scalarOf(binaryCrossentropy(eye, probs))).toBeCloseTo(0.20046903, 5);
    expect(scalarOf(binaryCrossentropy(eye, eye))).toBeCloseTo(0, 5);
    const t2 = tf.tensor([
      [1, 0],
      [1, 0],
    ]);
    const p2 = tf.tensor([
      [1, 1],
      [1, 0],
    ]);
    expect(scalarOf(binaryCrossentropy(t2, p2))).toBeCloseTo(3.98559, 4);
    expect(scalarOf(binaryCrossentropy(t2, p2, { weights: 2.3 }))).toBeCloseTo(9.1668, 3);
    const sw = tf.tensor([[1.2], [3.4]]);
    expect(scalarOf(binaryCrossentropy(t2, p2, { weights: sw }))).toBeCloseTo(4.7827, 3);
    const tl = tf.tensor([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    const logits = tf.tensor([
      [10, -10, 10],
      [10, 10, -10],
    ]);
    expect(scalarOf(binaryCrossentropy(tl, logits, { fromLogits: true }))).toBeCloseTo(3.3333, 3);
    expect(
      scalarOf(binaryCrossentropy(tl, logits, { fromLogits: true, weights: 2.3 })),
    ).toBeCloseTo(7.666, 2);
    const w43 = tf.tensor([[4], [3]]);
    expect(
      scalarOf(binaryCrossentropy(tl, logits, { fromLogits: true, weights: w43 })),
    ).toBeCloseTo(10, 3);
    expectClose(
      rowMeans(binaryCrossentropy(tl, logits, { fromLogits: true, reduction: NONE })),
      [0, 6.666],
      0,
      1e-3,
    );
    const ls = tf.tensor([[1, 0, 1]]);
    const ll = tf.tensor([[10, -10, -10]]);
    expect(
      scalarOf(binaryCrossentropy(ls, ll, { fromLogits: true, labelSmoothing: 0.1 })),
    ).toBeCloseTo((10 + 5 * 0.1) / 3, 3);
    tf.dispose([eye, probs, t2, p2, sw, tl, logits, w43, ls, ll]);
  });

  it('BinaryFocalCrossentropy', () => {
    const t = tf.tensor([
      [1, 0],
      [1, 0],
    ]);
    const p = tf.tensor([
      [0.9, 0.8],
      [0.7, 0.2],
    ]);
    expect(scalarOf(binaryFocalCrossentropy(t, p))).toBeCloseTo(0.268, 3);
    expect(scalarOf(binaryFocalCrossentropy(t, p, { weights: 1.23 }))).toBeCloseTo(0.3296, 3);
    const sw = tf.tensor([[1.2], [3.4]]);
    expect(scalarOf(binaryFocalCrossentropy(t, p, { weights: sw }))).toBeCloseTo(0.34415, 3);
    expectClose(
      rowMeans(binaryFocalCrossentropy(t, p, { reduction: NONE })),
      [0.515547, 0.020513],
      1e-4,
      1e-6,
    );
    const tl = tf.tensor([
      [1, 1, 0],
      [0, 1, 0],
    ]);
    const logits = tf.tensor([
      [1.5, -2.7, 2.9],
      [-3.8, 1.2, -4.5],
    ]);
    const o = { gamma: 3, fromLogits: true };
    expect(scalarOf(binaryFocalCrossentropy(tl, logits, o))).toBeCloseTo(0.799, 3);
    expect(scalarOf(binaryFocalCrossentropy(tl, logits, { ...o, weights: 3.21 }))).toBeCloseTo(
      2.565,
      3,
    );
    expect(scalarOf(binaryFocalCrossentropy(tl, logits, { ...o, weights: sw }))).toBeCloseTo(
      0.95977,
      3,
    );
    const eye = tf.tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const big = tf.tensor([
      [100, -100, -100],
      [-100, 100, -100],
      [-100, -100, 100],
    ]);
    expect(scalarOf(binaryFocalCrossentropy(eye, big, { fromLogits: true }))).toBeCloseTo(0, 5);
    expect(scalarOf(binaryFocalCrossentropy(eye, eye, { gamma: 1.5 }))).toBeCloseTo(0, 5);
    tf.dispose([t, p, sw, tl, logits, eye, big]);
  });

  it('CategoricalCrossentropy(from_logits) = softmaxCrossEntropy', () => {
    const eye = tf.tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const logits = tf.tensor([
      [8, 1, 1],
      [0, 9, 1],
      [2, 3, 5],
    ]);
    expect(scalarOf(softmaxCrossEntropy(eye, logits))).toBeCloseTo(0.0573, 3);
    expect(scalarOf(softmaxCrossEntropy(eye, logits, { weights: 2.3 }))).toBeCloseTo(0.1317, 3);
    const sw = tf.tensor1d([1.2, 3.4, 5.6]);
    expect(scalarOf(softmaxCrossEntropy(eye, logits, { weights: sw }))).toBeCloseTo(0.31829, 3);
    expectClose(
      values(softmaxCrossEntropy(eye, logits, { reduction: NONE })),
      [0.001822, 0.000459, 0.169846],
      1e-3,
    );
    const t1 = tf.tensor([[1, 0, 0]]);
    const l1 = tf.tensor([[100, -100, -100]]);
    expect(scalarOf(softmaxCrossEntropy(t1, l1, { labelSmoothing: 0.1 }))).toBeCloseTo(
      (400 * 0.1) / 3,
      3,
    );
    tf.dispose([eye, logits, sw, t1, l1]);
  });
});

describe('TF Object Detection API losses_test.py', () => {
  it('WeightedL2LocalizationLoss: weighted sum, anchor-wise, NaN targets', () => {
    const p = tf.ones([3, 10, 4]);
    const t = tf.zeros([3, 10, 4]);
    const row = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    const w = tf.tensor([row, row, row]);
    expect(scalarOf(weightedL2LocalizationLoss(t, p, { weights: w, reduction: SUM }))).toBeCloseTo(
      30,
      5,
    );
    const p16 = tf.ones([3, 16, 4]);
    const t16 = tf.zeros([3, 16, 4]);
    const w16 = tf.ones([3, 16]);
    const anchorwise = weightedL2LocalizationLoss(t16, p16, { weights: w16, reduction: NONE });
    expect(anchorwise.shape).toEqual([3, 16]);
    expect(values(anchorwise).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
    const tNan = tf.concat([tf.zeros([3, 10, 2]), tf.fill([3, 10, 2], Number.NaN)], 2);
    const ones = tf.ones([3, 10]);
    const nanLoss = weightedL2LocalizationLoss(tNan, p, {
      weights: ones,
      reduction: SUM,
      ignoreNanTargets: true,
    });
    expect(scalarOf(nanLoss)).toBeCloseTo(30, 5);
    tf.dispose([p, t, w, p16, t16, w16, tNan, ones]);
  });

  it('WeightedSmoothL1LocalizationLoss: 7.695', () => {
    const p = tf.tensor([
      [
        [2.5, 0, 0.4, 0],
        [0, 0, 0, 0],
        [0, 2.5, 0, 0.4],
      ],
      [
        [3.5, 0, 0, 0],
        [0, 0.4, 0, 0.9],
        [0, 0, 1.5, 0],
      ],
    ]);
    const t = tf.zeros([2, 3, 4]);
    const w = tf.tensor([
      [2, 1, 1],
      [0, 3, 0],
    ]);
    expect(
      scalarOf(weightedSmoothL1LocalizationLoss(t, p, { weights: w, reduction: SUM })),
    ).toBeCloseTo(7.695, 4);
    tf.dispose([p, t, w]);
  });

  it('WeightedSigmoidClassificationLoss with logits of +-100: -2 log(0.5)', () => {
    const p = tf.tensor([
      [
        [-100, 100, -100],
        [100, -100, -100],
        [100, 0, -100],
        [-100, -100, 100],
      ],
      [
        [-100, 0, 100],
        [-100, 100, -100],
        [100, 100, 100],
        [0, 0, -1],
      ],
    ]);
    const t = tf.tensor([
      [
        [0, 1, 0],
        [1, 0, 0],
        [1, 0, 0],
        [0, 0, 1],
      ],
      [
        [0, 0, 1],
        [0, 1, 0],
        [1, 1, 1],
        [1, 0, 0],
      ],
    ]);
    const w = tf.tensor([
      [[1], [1], [1], [1]],
      [[1], [1], [1], [0]],
    ]);
    const loss = sigmoidCrossEntropy(t, p, { weights: w, reduction: SUM });
    expect(scalarOf(loss)).toBeCloseTo(-2 * Math.log(0.5), 5);
    tf.dispose([p, t, w]);
  });

  it('SigmoidFocalClassificationLoss: easy examples are down-weighted by 1000/100/10', () => {
    const logit = (q: number) => Math.log(q / (1 - q));
    const p = tf.tensor([
      [[logit(0.97)], [logit(0.91)], [logit(0.73)], [logit(0.27)], [logit(0.09)], [logit(0.03)]],
    ]);
    const t = tf.tensor([[[1], [1], [1], [0], [0], [0]]]);
    const focal = values(sigmoidFocalLoss(t, p, { alpha: null, gamma: 2, reduction: NONE }));
    const ce = values(sigmoidCrossEntropy(t, p, { reduction: NONE }));
    const order = ce.map((c, i) => 10 ** Math.floor(Math.log10(c / focal[i])));
    expect(order).toEqual([1000, 100, 10, 10, 100, 1000]);
    tf.dispose([p, t]);
  });

  describe('PenaltyReducedLogisticFocalLoss (alpha 2, beta 0.5, sigmoid clip 1e-4)', () => {
    const LOG_2 = Math.log(2);
    const LOG_3 = Math.log(3);
    const probs = [
      [
        [1 / 2, 1 / 4, 3 / 4],
        [3 / 4, 1 / 3, 1 / 3],
      ],
      [
        [0.0, 1.0, 1 / 2],
        [3 / 4, 2 / 3, 1 / 3],
      ],
    ];
    const target = [
      [
        [1.0, 0.91, 1.0],
        [0.36, 0.84, 1.0],
      ],
      [
        [0.01, 1.0, 0.75],
        [0.96, 1.0, 1.0],
      ],
    ];
    const logits = () =>
      tf.tensor(probs.map((b) => b.map((r) => r.map((q) => Math.log(q / (1 - q))))));
    const opts = { alpha: 2, beta: 0.5, sigmoidClip: 1e-4, reduction: NONE };

    it('unweighted', () => {
      const [x, t, w] = [logits(), tf.tensor(target), tf.ones([2, 2, 1])];
      const expected = [
        [(1 / 4) * LOG_2, 0.3 * 0.0625 * (2 * LOG_2 - LOG_3), (1 / 16) * (2 * LOG_2 - LOG_3)],
        [0.8 * (9 / 16) * 2 * LOG_2, 0.4 * (1 / 9) * (LOG_3 - LOG_2), (4 / 9) * LOG_3],
        [0.0, 0.0, (1 / 2) * (1 / 4) * LOG_2],
        [0.2 * (9 / 16) * 2 * LOG_2, (1 / 9) * (LOG_3 - LOG_2), (4 / 9) * LOG_3],
      ].flat();
      expectClose(
        values(penaltyReducedFocalLoss(t, x, { ...opts, weights: w })),
        expected,
        1e-3,
        1e-3,
      );
      tf.dispose([x, t, w]);
    });

    it('weighted', () => {
      const [x, t] = [logits(), tf.tensor(target)];
      const w = tf.tensor([
        [
          [1, 0, 1],
          [0, 0, 1],
        ],
        [
          [1, 1, 1],
          [0, 0, 0],
        ],
      ]);
      const expected = [
        [(1 / 4) * LOG_2, 0, (1 / 16) * (2 * LOG_2 - LOG_3)],
        [0, 0, (4 / 9) * LOG_3],
        [0, 0, (1 / 2) * (1 / 4) * LOG_2],
        [0, 0, 0],
      ].flat();
      expectClose(
        values(penaltyReducedFocalLoss(t, x, { ...opts, weights: w })),
        expected,
        1e-3,
        1e-3,
      );
      tf.dispose([x, t, w]);
    });
  });
});

describe('torchvision test_ops.py', () => {
  const box1 = [-1, -1, 1, 1];
  const box2 = [0, 0, 1, 1];
  const box3 = [0, 1, 1, 2];
  const box4 = [1, 1, 2, 2];
  type F = typeof giouLoss;
  const one = (f: F, a: number[], b: number[]) =>
    scalarOf(f(tf.tensor2d([a]), tf.tensor2d([b]), { reduction: SUM }));
  const batch = (f: F, reduction: tf.Reduction) =>
    scalarOf(f(tf.tensor2d([box2, box2]), tf.tensor2d([box3, box4]), { reduction }));

  it('generalized_box_iou_loss', () => {
    expect(one(giouLoss, box1, box1)).toBeCloseTo(0, 5);
    expect(one(giouLoss, box1, box2)).toBeCloseTo(0.75, 5);
    expect(one(giouLoss, box2, box3)).toBeCloseTo(1.0, 5);
    expect(one(giouLoss, box2, box4)).toBeCloseTo(1.5, 5);
    expect(batch(giouLoss, SUM)).toBeCloseTo(2.5, 5);
    expect(batch(giouLoss, MEAN)).toBeCloseTo(1.25, 5);
  });

  for (const [name, f] of [
    ['distance_box_iou_loss', diouLoss],
    ['complete_box_iou_loss', ciouLoss],
  ] as const) {
    it(name, () => {
      expect(one(f, box1, box1)).toBeCloseTo(0, 5);
      expect(one(f, box1, box2)).toBeCloseTo(0.8125, 4);
      expect(one(f, box1, box3)).toBeCloseTo(1.1923, 4);
      expect(one(f, box1, box4)).toBeCloseTo(1.25, 4);
      expect(batch(f, MEAN)).toBeCloseTo(1.225, 4);
      expect(batch(f, SUM)).toBeCloseTo(2.45, 4);
    });
  }

  it('empty inputs: MEAN is 0 with a (empty) gradient', () => {
    for (const f of [giouLoss, diouLoss, ciouLoss]) {
      const e = tf.zeros([0, 4]);
      expect(scalarOf(f(e, e, { reduction: MEAN }))).toBe(0);
      const g = tf.grad((x: tf.Tensor) => f(e, x, { reduction: MEAN }) as tf.Scalar)(e);
      expect(g.shape).toEqual([0, 4]);
      expect(f(e, e, { reduction: NONE }).size).toBe(0);
      tf.dispose([e, g]);
    }
  });

  const INT_BOXES = [
    [0, 0, 100, 100],
    [0, 0, 50, 50],
    [200, 200, 300, 300],
    [0, 0, 25, 25],
  ];
  const INT_BOXES2 = [
    [0, 0, 100, 100],
    [0, 0, 50, 50],
    [200, 200, 300, 300],
  ];
  const FLOAT_BOXES = [
    [285.3538, 185.5758, 1193.511, 851.4551],
    [285.1472, 188.7374, 1192.4984, 851.0669],
    [279.244, 197.9812, 1189.4746, 849.2019],
  ];
  const floatExpected = [
    [1.0, 0.9933, 0.9673],
    [0.9933, 1.0, 0.9737],
    [0.9673, 0.9737, 1.0],
  ].flat();

  it('box_iou', () => {
    const expected = [
      [1.0, 0.25, 0.0],
      [0.25, 1.0, 0.0],
      [0.0, 0.0, 1.0],
      [0.0625, 0.25, 0.0],
    ].flat();
    expectClose(values(boxIou(tf.tensor2d(INT_BOXES), tf.tensor2d(INT_BOXES2))), expected, 0, 1e-4);
    const fb = tf.tensor2d(FLOAT_BOXES);
    expectClose(values(boxIou(fb, fb)), floatExpected, 0, 1e-3);
  });

  it('generalized_box_iou', () => {
    const expected = [
      [1.0, 0.25, -0.7778],
      [0.25, 1.0, -0.8611],
      [-0.7778, -0.8611, 1.0],
      [0.0625, 0.25, -0.8819],
    ].flat();
    expectClose(
      values(generalizedBoxIou(tf.tensor2d(INT_BOXES), tf.tensor2d(INT_BOXES2))),
      expected,
      0,
      1e-4,
    );
    const fb = tf.tensor2d(FLOAT_BOXES);
    expectClose(values(generalizedBoxIou(fb, fb)), floatExpected, 0, 1e-3);
  });

  it('sigmoid_focal_loss with alpha = -1, gamma = 0 equals cross-entropy (values and gradients)', () => {
    const t = tf.tensor([
      [0, 1, 1],
      [1, 0, 0],
    ]);
    const x = tf.tensor([
      [-2.2, 0.3, 4],
      [-7, 1.5, 0],
    ]);
    const f = (v: tf.Tensor) =>
      sigmoidFocalLoss(t, v, { alpha: -1, gamma: 0, reduction: SUM }) as tf.Scalar;
    const c = (v: tf.Tensor) => sigmoidCrossEntropy(t, v, { reduction: SUM }) as tf.Scalar;
    expect(scalarOf(f(x))).toBeCloseTo(scalarOf(c(x)), 5);
    expectClose(values(tf.grad(f)(x)), values(tf.grad(c)(x)), 1e-5, 1e-7);
    tf.dispose([t, x]);
  });
});
