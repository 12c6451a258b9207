import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { randomBoxes, rng } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Loss = (t: tf.Tensor, p: tf.Tensor, o?: Record<string, unknown>) => tf.Tensor;

const elementwise: [string, Loss, Record<string, unknown>?][] = [
  ['meanSquaredError', L.meanSquaredError],
  ['meanAbsoluteError', L.meanAbsoluteError],
  ['huberLoss', L.huberLoss],
  ['smoothL1Loss', L.smoothL1Loss],
  ['smoothL1Loss beta 0', L.smoothL1Loss, { beta: 0 }],
  ['logCoshLoss', L.logCoshLoss],
  ['meanSquaredLogarithmicError', L.meanSquaredLogarithmicError],
  ['meanAbsolutePercentageError', L.meanAbsolutePercentageError],
  ['sigmoidCrossEntropy', L.sigmoidCrossEntropy, { labelSmoothing: 0.1 }],
  ['softmaxCrossEntropy', L.softmaxCrossEntropy, { labelSmoothing: 0.1 }],
  ['binaryCrossentropy', L.binaryCrossentropy],
  ['binaryCrossentropy fromLogits', L.binaryCrossentropy, { fromLogits: true }],
  ['sigmoidFocalLoss', L.sigmoidFocalLoss],
  ['sigmoidFocalLoss no alpha gamma 1.5', L.sigmoidFocalLoss, { alpha: null, gamma: 1.5 }],
  ['binaryFocalCrossentropy', L.binaryFocalCrossentropy, { applyClassBalancing: true }],
  ['binaryFocalCrossentropy fromLogits', L.binaryFocalCrossentropy, { fromLogits: true }],
  ['penaltyReducedFocalLoss', L.penaltyReducedFocalLoss],
  ['penaltyReducedFocalLoss clip', L.penaltyReducedFocalLoss, { sigmoidClip: 1e-4, beta: 3 }],
  ['hingeLoss', L.hingeLoss],
  ['kullbackLeiblerDivergence', L.kullbackLeiblerDivergence],
  ['poisson', L.poisson],
  ['cosineSimilarity', L.cosineSimilarity],
  ['iouLoss', L.iouLoss],
  ['giouLoss', L.giouLoss],
  ['diouLoss', L.diouLoss],
  ['ciouLoss', L.ciouLoss],
  ['ciouLoss cxcywh', L.ciouLoss, { format: 'cxcywh' }],
  [
    'weightedSmoothL1LocalizationLoss',
    L.weightedSmoothL1LocalizationLoss,
    { ignoreNanTargets: true },
  ],
  ['weightedL2LocalizationLoss', L.weightedL2LocalizationLoss],
];

const REDUCTIONS = [
  tf.Reduction.NONE,
  tf.Reduction.SUM,
  tf.Reduction.MEAN,
  tf.Reduction.SUM_BY_NONZERO_WEIGHTS,
];

describe('tf.memory().numTensors does not grow', () => {
  for (const [name, fn, opts] of elementwise) {
    it(name, () => {
      const r = rng(1);
      const boxes = /iou|Localization/i.test(name);
      const shape = boxes ? [2, 3, 4] : [2, 3, 5];
      const t = boxes
        ? tf.tensor(randomBoxes(6, r).flat(), shape)
        : tf.tensor(
            Array.from({ length: 30 }, () => (r() < 0.5 ? 0 : 1)),
            shape,
          );
      const p = boxes
        ? tf.tensor(randomBoxes(6, r).flat(), shape)
        : tf.tensor(
            Array.from({ length: 30 }, () => 0.1 + 0.8 * r()),
            shape,
          );
      const rowLoss = boxes || /softmax|kullback|cosine/.test(name);
      const w = rowLoss ? tf.tensor([[1], [0]]) : tf.tensor([[[1]], [[0]]]);
      const v = tf.variable(p);
      const before = tf.memory().numTensors;
      for (const reduction of REDUCTIONS) {
        for (const weights of [undefined, 2, w]) {
          const o = { ...opts, reduction, weights };
          tf.dispose(fn(t, p, o));
          tf.tidy(() => {
            fn(t, p, o);
          });
          const g = tf.grad((x: tf.Tensor) => tf.sum(fn(t, x, o)) as tf.Scalar)(p);
          g.dispose();
          const { value, grads } = tf.variableGrads(() => tf.sum(fn(t, v, o)) as tf.Scalar, [v]);
          tf.dispose([value, ...Object.values(grads)]);
        }
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([t, p, w, v]);
    });
  }

  it('boxIou, generalizedBoxIou, convertBoxes, toCorners, reduceLoss', () => {
    const a = tf.tensor2d(randomBoxes(4, rng(2)));
    const b = tf.tensor2d(randomBoxes(3, rng(3)));
    const before = tf.memory().numTensors;
    tf.dispose(L.boxIou(a, b));
    tf.dispose(L.generalizedBoxIou(a, b, { format: 'xywh' }));
    tf.grad((x: tf.Tensor) => tf.sum(L.generalizedBoxIou(x, b)) as tf.Scalar)(a).dispose();
    tf.dispose(L.convertBoxes(a, 'xyxy', 'cxcywh'));
    tf.dispose(L.convertBoxes(a, 'xyxy', 'xyxy'));
    tf.tidy(() => {
      L.toCorners(a, 'yxyx');
    });
    tf.dispose(L.reduceLoss(a, null, tf.Reduction.MEAN));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('typed errors', () => {
  const t = tf.zeros([2, 3]);
  const p = tf.zeros([3, 2]);
  const i = tf.zeros([2, 3], 'int32');
  const ok = tf.zeros([2, 3]);

  it('shape mismatch names both shapes', () => {
    expect(() => L.meanSquaredError(t, p)).toThrow(L.LossShapeError);
    expect(() => L.sigmoidFocalLoss(t, p)).toThrow(/\[2, 3\].*\[3, 2\]/);
    expect(() => L.giouLoss(t, ok)).toThrow(/last axis of size 4/);
    expect(() => L.giouLoss(tf.zeros([2, 4]), tf.zeros([3, 4]))).toThrow(/\[2, 4\].*\[3, 4\]/);
    expect(() => L.boxIou(tf.zeros([2, 2, 4]), tf.zeros([2, 4]))).toThrow(L.LossShapeError);
    expect(() => L.weightedL2LocalizationLoss(t, ok)).toThrow(/\[batch, anchors, code\]/);
  });

  it('weights that do not broadcast to the loss', () => {
    expect(() => L.meanSquaredError(t, ok, { weights: tf.zeros([3, 2]) })).toThrow(
      /weights has shape \[3, 2\].*\[2, 3\]/,
    );
    expect(() => L.softmaxCrossEntropy(t, ok, { weights: tf.zeros([2, 3]) })).toThrow(
      L.LossShapeError,
    );
  });

  it('dtype errors name both dtypes', () => {
    expect(() => L.meanSquaredError(i, ok)).toThrow(L.LossDtypeError);
    expect(() => L.meanSquaredError(i, ok)).toThrow(/int32, expected float32/);
    expect(() => L.meanSquaredError(ok, ok, { weights: tf.zeros([2, 3], 'int32') })).toThrow(
      L.LossDtypeError,
    );
  });

  it('option errors name option, value and allowed range', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => L.sigmoidFocalLoss(t, ok, { gamma: -1 }), /gamma = -1.*>= 0/],
      [() => L.sigmoidFocalLoss(t, ok, { alpha: 1.5 }), /alpha = 1.5/],
      [() => L.huberLoss(t, ok, { delta: 0 }), /delta = 0/],
      [() => L.smoothL1Loss(t, ok, { beta: -1 }), /beta = -1/],
      [() => L.sigmoidCrossEntropy(t, ok, { labelSmoothing: 2 }), /labelSmoothing = 2.*\[0, 1\]/],
      [() => L.meanSquaredError(t, ok, { reduction: 7 as tf.Reduction }), /reduction = 7/],
      [
        () => L.giouLoss(tf.zeros([1, 4]), tf.zeros([1, 4]), { format: 'xy' as L.BoxFormat }),
        /format = xy/,
      ],
      [() => L.giouLoss(tf.zeros([1, 4]), tf.zeros([1, 4]), { eps: 0 }), /eps = 0/],
      [() => L.penaltyReducedFocalLoss(t, ok, { beta: Number.NaN }), /beta = NaN/],
      [() => L.penaltyReducedFocalLoss(t, ok, { sigmoidClip: 0.5 }), /sigmoidClip/],
      [() => L.cosineSimilarity(t, ok, { axis: 2 }), /axis = 2/],
      [
        () => L.meanSquaredError(t, ok, { weights: Number.POSITIVE_INFINITY }),
        /weights = Infinity/,
      ],
    ];
    for (const [f, re] of cases) {
      expect(f).toThrow(L.LossOptionError);
      expect(f).toThrow(re);
    }
  });
});
