import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ciouLoss, diouLoss, giouLoss, sigmoidFocalLoss } from '../src/index.js';
import reference from './fixtures/losses.json' with { type: 'json' };
import { expectClose, expectNoLeak, flat, values } from './helpers.js';

interface Case {
  fn: string;
  targets: number[][];
  predictions?: number[][];
  logits?: number[][];
  alpha?: number;
  gamma?: number;
  expected: number[] | number[][];
  gradSum: number[][];
}

const cases = (reference as { cases: Case[] }).cases;

function lossFor(c: Case) {
  const opts = { reduction: tf.Reduction.NONE };
  switch (c.fn) {
    case 'giouLoss':
      return (t: tf.Tensor, p: tf.Tensor) => giouLoss(t, p, opts);
    case 'diouLoss':
      return (t: tf.Tensor, p: tf.Tensor) => diouLoss(t, p, opts);
    case 'ciouLoss':
      return (t: tf.Tensor, p: tf.Tensor) => ciouLoss(t, p, opts);
    case 'sigmoidFocalLoss':
      return (t: tf.Tensor, p: tf.Tensor) =>
        sigmoidFocalLoss(t, p, { ...opts, alpha: c.alpha, gamma: c.gamma });
    default:
      throw new Error(`unknown reference fn ${c.fn}`);
  }
}

describe('torchvision reference values (float64) in losses.json', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('covers every function in the fixture', () => {
    expect(new Set(cases.map((c) => c.fn))).toEqual(
      new Set(['giouLoss', 'diouLoss', 'ciouLoss', 'sigmoidFocalLoss']),
    );
  });

  cases.forEach((c, k) => {
    const label = `${c.fn}#${k}${c.alpha !== undefined ? ` alpha=${c.alpha} gamma=${c.gamma}` : ''}`;
    it(`${label}: per-element values (1e-4 relative) and gradient of the sum (1e-3)`, () => {
      const loss = lossFor(c);
      const t = tf.tensor(c.targets);
      const p = tf.tensor((c.predictions ?? c.logits) as number[][]);
      expectNoLeak(() => {
        expectClose(values(loss(t, p)), flat(c.expected), 1e-4, 0, `${label} value`);
        const g = tf.grad((x: tf.Tensor) => tf.sum(loss(t, x)) as tf.Scalar)(p);
        expectClose(values(g), flat(c.gradSum), 1e-3, 1e-6, `${label} grad`);
      });
      tf.dispose([t, p]);
    });
  });
});
