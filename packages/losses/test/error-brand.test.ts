import '@tensorflow/tfjs-backend-cpu';
import { isBurninError } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('every error class of @burnin/losses carries the burnin error brand', () => {
  it('shape, dtype and option errors are burnin errors; a TypeError for a misplaced argument is not', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    const i = tf.zeros([2, 3], 'int32');
    const shape = thrown(() => L.meanSquaredError(a, b));
    const dtype = thrown(() => L.meanSquaredError(i, a));
    const option = thrown(() => L.huberLoss(a, a, { delta: -1 }));
    expect(shape).toBeInstanceOf(L.LossShapeError);
    expect(dtype).toBeInstanceOf(L.LossDtypeError);
    expect(option).toBeInstanceOf(L.LossOptionError);
    for (const e of [shape, dtype, option, new L.LossError('x')])
      expect(isBurninError(e)).toBe(true);
    expect(isBurninError(thrown(() => L.meanSquaredError(a, a, a as never)))).toBe(false);
    expect(Object.keys(option as object)).not.toContain('Symbol(@burnin/error)');
    tf.dispose([a, b, i]);
  });

  it('option errors read fn: option x = value must be <rule>', () => {
    const a = tf.zeros([2, 3]);
    expect((thrown(() => L.huberLoss(a, a, { delta: 0 })) as Error).message).toBe(
      'huberLoss: option delta = 0 must be a finite number > 0',
    );
    expect((thrown(() => L.cosineSimilarity(a, a, { axis: 2 })) as Error).message).toBe(
      'cosineSimilarity: option axis = 2 must be an integer in [-2, 1]',
    );
    tf.dispose(a);
  });
});
