/**
 * The IoU-family losses compute their gradient w.r.t. the predictions in closed form (one
 * `tf.customGrad`, src/box-losses.ts). These tests compare values and gradients with the previous
 * formulation differentiated by tfjs' autodiff (test/autodiff-box-losses.ts) on random boxes, in
 * every box format, with and without weights, on the cpu and wasm backends, and on the degenerate
 * boxes (ties, zero sizes, inverted boxes) where the subgradient conventions matter.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';
import { autodiffBoxLoss, type Kind } from './autodiff-box-losses.js';
import { randomBoxes, rng } from './helpers.js';

const LOSSES: [Kind, typeof L.iouLoss][] = [
  ['iou', L.iouLoss],
  ['giou', L.giouLoss],
  ['diou', L.diouLoss],
  ['ciou', L.ciouLoss],
];
const FORMATS: L.BoxFormat[] = ['xyxy', 'yxyx', 'xywh', 'cxcywh'];

/** max |a - b| / max(|b|, floor) over all elements (floor: 1e-3 of the largest |b|). */
function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  const floor = Math.max(scale * 1e-3, 1e-12);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    expect(Number.isFinite(a[i]), `element ${i} finite`).toBe(true);
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  }
  return worst;
}

/**
 * Value and gradient of `sum(loss * weights)` w.r.t. the predictions: `ours` uses the fused loss
 * with `reduction`/`weights` options, `old` the unreduced autodiff formulation weighted by hand.
 */
function compare(
  kind: Kind,
  fn: typeof L.iouLoss,
  t: tf.Tensor,
  p: tf.Tensor,
  format: L.BoxFormat,
  weights: tf.Tensor | null,
) {
  return tf.tidy(() => {
    const ours = (x: tf.Tensor) =>
      fn(t, x, { format, reduction: tf.Reduction.SUM, ...(weights ? { weights } : {}) });
    const old = (x: tf.Tensor) => {
      const loss = autodiffBoxLoss(kind, t, x, format);
      return tf.sum(weights ? tf.mul(loss, weights) : loss);
    };
    const a = tf.valueAndGrad((x: tf.Tensor) => ours(x) as tf.Scalar)(p);
    const b = tf.valueAndGrad((x: tf.Tensor) => old(x) as tf.Scalar)(p);
    const unreduced = fn(t, p, { format, reduction: tf.Reduction.NONE });
    const unreducedOld = autodiffBoxLoss(kind, t, p, format);
    return {
      value: maxRelativeError(a.value.dataSync(), b.value.dataSync()),
      unreduced: maxRelativeError(unreduced.dataSync(), unreducedOld.dataSync()),
      grad: maxRelativeError(a.grad.dataSync(), b.grad.dataSync()),
    };
  });
}

const DEGENERATE_T = [
  [1, 1, 3, 4],
  [0, 0, 0, 0],
  [2, 2, 2, 2],
  [0, 0, 1, 1],
  [0, 0, 1, 1],
  [0, 0, 1, 1],
  [5, 5, 6, 6],
  [0, 0, 1, 1],
  [0, 0, 1, 1],
  [0, 0, 2, 2],
  [0, 0, 2, 2],
];
const DEGENERATE_P = [
  [1, 1, 3, 4], // identical
  [0, 0, 1, 1], // zero-size target
  [2, 2, 2, 2], // both zero-size at the same point
  [0.5, 0, 0.5, 1], // zero width
  [0, 0.5, 1, 0.5], // zero height
  [1e4, 1e4, 1e4 + 1, 1e4 + 1], // far away
  [5.5, 5.5, 5.5, 5.5], // zero-size inside
  [1, 0, 0, 1], // inverted
  [3, 3, -1, -2], // fully inverted
  [0, 1, 2, 3], // shares the x edges (ties in max / min)
  [2, 0, 3, 2], // touching edge: zero-width intersection
];

for (const backend of ['cpu', 'wasm']) {
  describe(`closed-form box gradients = autodiff of the plain formulation (${backend})`, () => {
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    for (const [kind, fn] of LOSSES) {
      for (const format of FORMATS) {
        it(`${kind} ${format}: random boxes [3, 8, 4], with and without weights`, async () => {
          expect(await tf.setBackend(backend)).toBe(true);
          const r = rng(kind.length * 31 + format.length);
          const boxes = (n: number) => tf.tensor(randomBoxes(n, r).flat(), [3, 8, 4]);
          const tx = boxes(24);
          const px = boxes(24);
          const t = L.convertBoxes(tx, 'xyxy', format);
          const p = L.convertBoxes(px, 'xyxy', format);
          const w = tf.tensor(
            Array.from({ length: 24 }, () => r() * 2),
            [3, 8],
          );
          const wRow = tf.tensor([0.5, 0, 2], [3, 1]);
          const before = tf.memory().numTensors;
          for (const weights of [null, w, wRow]) {
            const e = compare(kind, fn, t, p, format, weights);
            expect(e.value, 'value').toBeLessThan(1e-5);
            expect(e.unreduced, 'unreduced value').toBeLessThan(1e-5);
            expect(e.grad, 'gradient').toBeLessThan(1e-4);
          }
          // default reduction (SUM_BY_NONZERO_WEIGHTS, a scalar upstream gradient)
          const g = tf.tidy(() =>
            maxRelativeError(
              tf
                .grad((x: tf.Tensor) => fn(t, x, { format }) as tf.Scalar)(p)
                .dataSync(),
              tf
                .grad((x: tf.Tensor) => tf.mean(autodiffBoxLoss(kind, t, x, format)) as tf.Scalar)(
                  p,
                )
                .dataSync(),
            ),
          );
          expect(g, 'gradient (mean)').toBeLessThan(1e-4);
          expect(tf.memory().numTensors).toBe(before);
          tf.dispose([tx, px, t, p, w, wRow]);
        });
      }

      it(`${kind}: degenerate boxes (ties, zero sizes, inverted) give the same gradient`, async () => {
        expect(await tf.setBackend(backend)).toBe(true);
        const t = tf.tensor2d(DEGENERATE_T);
        const p = tf.tensor2d(DEGENERATE_P);
        const e = compare(kind, fn, t, p, 'xyxy', null);
        expect(e.unreduced, 'unreduced value').toBeLessThan(1e-5);
        expect(e.grad, 'gradient').toBeLessThan(1e-4);
        tf.dispose([t, p]);
      });
    }

    it('a single box [4] and an empty batch [0, 4]', async () => {
      expect(await tf.setBackend(backend)).toBe(true);
      for (const [kind, fn] of LOSSES) {
        const t = tf.tensor1d([0, 0, 2, 3]);
        const p = tf.tensor1d([1, 0.5, 3, 2]);
        const e = compare(kind, fn, t, p, 'xyxy', null);
        expect(e.grad, `${kind} gradient`).toBeLessThan(1e-4);
        const empty = tf.zeros([0, 4]);
        const g = tf.grad((x: tf.Tensor) => fn(empty, x) as tf.Scalar)(empty);
        expect(g.shape).toEqual([0, 4]);
        tf.dispose([t, p, empty, g]);
      }
    });
  });
}
