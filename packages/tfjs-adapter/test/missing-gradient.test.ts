// Own file: tfjs-core's gradients must not be registered here (nothing imports them).
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { MissingGradientError, withSchedule } from '../src/index.js';

it('a gradient missing from tfjs-core is an error that names the op and the fix', async () => {
  await tf.setBackend('cpu');
  const w = tf.variable(tf.tensor1d([1, 2]));
  const opt = withSchedule(tf.train.sgd(0.1), () => 0.1);
  const loss = () => tf.sum(tf.mul(w, w)) as tf.Scalar;
  let e: unknown;
  try {
    opt.minimize(loss);
  } catch (err) {
    e = err;
  }
  expect(e).toBeInstanceOf(MissingGradientError);
  const m = e as MissingGradientError;
  expect(['Sum', 'Multiply']).toContain(m.kernel);
  expect(m.message).toMatch(/@tensorflow\/tfjs'.*initBackend\(\) from '@burnin\/backend'/);
  expect((m.cause as Error).message).toMatch(/gradient function not found/);
  expect(Array.from(w.dataSync())).toEqual([1, 2]); // nothing was updated
  // with the gradients registered, the same call trains
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  opt.minimize(loss);
  expect(Array.from(w.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.8, 1.6]);
  opt.dispose();
  w.dispose();
});
