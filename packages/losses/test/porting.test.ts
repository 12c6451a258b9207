import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('porting guards: options are an object with known keys', () => {
  it("tf.losses' positional weights (a Tensor third argument) is a TypeError showing the call", () => {
    const y = tf.tensor1d([1, 2, 3]);
    const p = tf.tensor1d([1, 2, 5]);
    const w = tf.tensor1d([1, 0, 0]);
    expect(() => L.meanSquaredError(y, p, w as never)).toThrow(TypeError);
    expect(() => L.meanSquaredError(y, p, w as never)).toThrow(
      'meanSquaredError: the third argument is an options object, got a Tensor; for weights use meanSquaredError(labels, predictions, { weights })',
    );
    expect(() => L.meanSquaredError(y, p, 0.5 as never)).toThrow(/got 0\.5; for weights use/);
    expect(() => L.sigmoidFocalLoss(y, p, w as never)).toThrow(
      /sigmoidFocalLoss\(targets, logits, \{ weights \}\)/,
    );
    expect(() => L.boxIou(tf.zeros([1, 4]), tf.zeros([1, 4]), w as never)).toThrow(
      'boxIou: the third argument is an options object, got a Tensor { format }',
    );
    // The right call weights: only the first element counts.
    expect(L.meanSquaredError(y, p, { weights: w }).dataSync()[0]).toBe(0);
    tf.dispose([y, p, w]);
  });

  it('an unknown key names it, lists the options and hints Keras/torch spellings', () => {
    const y = tf.tensor1d([1, 0]);
    const p = tf.tensor1d([0.3, -0.2]);
    let err: unknown;
    try {
      L.binaryCrossentropy(y, p, { from_logits: true } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(L.LossOptionError);
    expect((err as L.LossOptionError).option).toBe('from_logits');
    expect((err as Error).message).toBe(
      'binaryCrossentropy: unknown option "from_logits" (did you mean fromLogits?); the options are weights, reduction, labelSmoothing, fromLogits',
    );
    expect(() => L.meanSquaredError(y, p, { sample_weight: 2 } as never)).toThrow(
      /"sample_weight" \(did you mean weights\?\)/,
    );
    expect(() =>
      L.giouLoss(tf.zeros([1, 4]), tf.zeros([1, 4]), { in_fmt: 'xyxy' } as never),
    ).toThrow(/did you mean format\?/);
    expect(() => L.huberLoss(y, p, { beta: 1 } as never)).toThrow(
      /unknown option "beta"; the options are weights, reduction, delta/,
    );
    tf.dispose([y, p]);
  });

  it('sigmoidFocalLoss takes (targets, logits): the README warns about torchvision order', () => {
    const targets = tf.tensor2d([[1, 0]]);
    const logits = tf.tensor2d([[2.5, -1]]);
    expect(L.sigmoidFocalLoss(targets, logits).dataSync()[0]).toBeCloseTo(0.00855, 5);
    // torchvision's order silently computes something else.
    expect(L.sigmoidFocalLoss(logits, targets).dataSync()[0]).toBeCloseTo(0.1617, 4);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toMatch(/torchvision's `sigmoid_focal_loss\(inputs, targets\)`/);
    tf.dispose([targets, logits]);
  });
});
