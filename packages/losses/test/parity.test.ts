import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  hingeLoss,
  huberLoss,
  type LossOptions,
  meanAbsoluteError,
  meanSquaredError,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
} from '../src/index.js';
import { expectClose, expectNoLeak, rng, values } from './helpers.js';

type Ours = (t: tf.Tensor, p: tf.Tensor, o: LossOptions) => tf.Tensor;
type Theirs = (t: tf.Tensor, p: tf.Tensor, w: tf.Tensor | undefined, r: tf.Reduction) => tf.Tensor;

interface Pair {
  name: string;
  ours: Ours;
  theirs: Theirs;
  /** targets generator */
  target: (r: () => number) => number;
  rowLoss?: boolean;
}

const r01 = (r: () => number) => (r() < 0.5 ? 0 : 1);
const pairs: Pair[] = [
  {
    name: 'meanSquaredError / tf.losses.meanSquaredError',
    ours: meanSquaredError,
    theirs: (t, p, w, r) => tf.losses.meanSquaredError(t, p, w, r),
    target: (r) => r() * 4 - 2,
  },
  {
    name: 'meanAbsoluteError / tf.losses.absoluteDifference',
    ours: meanAbsoluteError,
    theirs: (t, p, w, r) => tf.losses.absoluteDifference(t, p, w, r),
    target: (r) => r() * 4 - 2,
  },
  {
    name: 'huberLoss(delta 1) / tf.losses.huberLoss',
    ours: huberLoss,
    theirs: (t, p, w, r) => tf.losses.huberLoss(t, p, w, 1, r),
    target: (r) => r() * 4 - 2,
  },
  {
    name: 'huberLoss(delta 0.3) / tf.losses.huberLoss',
    ours: (t, p, o) => huberLoss(t, p, { ...o, delta: 0.3 }),
    theirs: (t, p, w, r) => tf.losses.huberLoss(t, p, w, 0.3, r),
    target: (r) => r() * 4 - 2,
  },
  {
    name: 'hingeLoss / tf.losses.hingeLoss',
    ours: hingeLoss,
    theirs: (t, p, w, r) => tf.losses.hingeLoss(t, p, w, r),
    target: r01,
  },
  {
    name: 'sigmoidCrossEntropy / tf.losses.sigmoidCrossEntropy',
    ours: sigmoidCrossEntropy,
    theirs: (t, p, w, r) => tf.losses.sigmoidCrossEntropy(t, p, w, 0, r),
    target: r01,
  },
  {
    name: 'sigmoidCrossEntropy(labelSmoothing 0.1) / tf.losses.sigmoidCrossEntropy',
    ours: (t, p, o) => sigmoidCrossEntropy(t, p, { ...o, labelSmoothing: 0.1 }),
    theirs: (t, p, w, r) => tf.losses.sigmoidCrossEntropy(t, p, w, 0.1, r),
    target: r01,
  },
];

function weightsFor(
  shape: number[],
  kind: string,
  r: () => number,
): tf.Tensor | number | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'scalar':
      return 2.5;
    case 'full with zeros':
      return tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (r() < 0.3 ? 0 : r() * 2)),
        shape,
      );
    case 'broadcast [B, 1]':
      return tf.tensor([0, 1.5, 0.5, 2], [shape[0], 1]);
    default:
      throw new Error(kind);
  }
}

const REDUCTIONS: [string, tf.Reduction][] = [
  ['NONE', tf.Reduction.NONE],
  ['SUM', tf.Reduction.SUM],
  ['MEAN', tf.Reduction.MEAN],
  ['SUM_BY_NONZERO_WEIGHTS', tf.Reduction.SUM_BY_NONZERO_WEIGHTS],
];
const WEIGHTS = ['none', 'scalar', 'full with zeros', 'broadcast [B, 1]'];

function compare(
  ours: () => tf.Tensor,
  theirs: () => tf.Tensor,
  p: tf.Tensor,
  label: string,
  oursGrad: (x: tf.Tensor) => tf.Tensor,
  theirsGrad: (x: tf.Tensor) => tf.Tensor,
) {
  const a = ours();
  const b = theirs();
  expect(a.shape).toEqual(b.shape);
  expectClose(values(a), values(b), 1e-5, 1e-6, `${label} value`);
  const ga = tf.grad((x: tf.Tensor) => tf.sum(oursGrad(x)) as tf.Scalar)(p);
  const gb = tf.grad((x: tf.Tensor) => tf.sum(theirsGrad(x)) as tf.Scalar)(p);
  expectClose(values(ga), values(gb), 1e-4, 1e-6, `${label} grad`);
}

describe('tf.losses parity: every reduction, with and without weights, values and gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const pair of pairs) {
    describe(pair.name, () => {
      for (const [rName, reduction] of REDUCTIONS) {
        for (const wKind of WEIGHTS) {
          it(`${rName}, weights ${wKind}`, () => {
            const r = rng(7);
            const shape = [4, 6];
            const t = tf.tensor(
              Array.from({ length: 24 }, () => pair.target(r)),
              shape,
            );
            const p = tf.tensor(
              Array.from({ length: 24 }, () => r() * 6 - 3),
              shape,
            );
            const w = weightsFor(shape, wKind, r);
            const wt = typeof w === 'number' ? tf.scalar(w) : w;
            expectNoLeak(() =>
              compare(
                () => pair.ours(t, p, { weights: w, reduction }),
                () => pair.theirs(t, p, wt, reduction),
                p,
                `${pair.name} ${rName} ${wKind}`,
                (x) => pair.ours(t, x, { weights: w, reduction }),
                (x) => pair.theirs(t, x, wt, reduction),
              ),
            );
            tf.dispose([t, p, wt as tf.Tensor]);
          });
        }
      }
    });
  }

  describe('softmaxCrossEntropy / tf.losses.softmaxCrossEntropy (loss per row)', () => {
    for (const [rName, reduction] of REDUCTIONS) {
      for (const wKind of ['none', 'scalar', 'per row with zeros']) {
        for (const smoothing of [0, 0.2]) {
          it(`${rName}, weights ${wKind}, labelSmoothing ${smoothing}`, () => {
            const r = rng(11);
            const labels = Array.from({ length: 5 }, () => Math.floor(r() * 3));
            const t = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32'));
            const p = tf.tensor(
              Array.from({ length: 15 }, () => r() * 8 - 4),
              [5, 3],
            );
            const w =
              wKind === 'none'
                ? undefined
                : wKind === 'scalar'
                  ? 0.7
                  : tf.tensor1d([1, 0, 2, 0.5, 0]);
            const wt = typeof w === 'number' ? tf.scalar(w) : w;
            const ours = (x: tf.Tensor) =>
              softmaxCrossEntropy(t, x, { weights: w, reduction, labelSmoothing: smoothing });
            const theirs = (x: tf.Tensor) =>
              tf.losses.softmaxCrossEntropy(t, x, wt, smoothing, reduction);
            expectNoLeak(() =>
              compare(
                () => ours(p),
                () => theirs(p),
                p,
                `softmax ${rName} ${wKind}`,
                ours,
                theirs,
              ),
            );
            tf.dispose([t, p, wt as tf.Tensor]);
          });
        }
      }
    }
  });

  it('all-zero weights: 0 (like Python TF div_no_nan) where tf.losses divides 0 by 0', () => {
    const t = tf.tensor1d([1, 2, 3]);
    const p = tf.tensor1d([0, 0, 0]);
    const w = tf.zeros([3]);
    const theirs = tf.losses.meanSquaredError(t, p, w);
    expect(Number.isNaN(values(theirs)[0])).toBe(true);
    expect(values(meanSquaredError(t, p, { weights: w }))).toEqual([0]);
    expect(values(meanSquaredError(t, p, { weights: w, reduction: tf.Reduction.MEAN }))).toEqual([
      0,
    ]);
    const g = tf.grad((x: tf.Tensor) => meanSquaredError(t, x, { weights: w }) as tf.Scalar)(p);
    expect(values(g).every((v) => v === 0)).toBe(true);
    tf.dispose([t, p, w]);
  });
});
