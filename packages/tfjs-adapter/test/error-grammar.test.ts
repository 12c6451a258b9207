import '@tensorflow/tfjs-backend-cpu';
import { isBurninError } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLearningRate, withSchedule } from '../src/index.js';
import { schedule, thrown } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AdapterOptionError: the burnin option grammar and brand', () => {
  it('fn: option "x" must be <rule> (got <value>)', () => {
    const opt = tf.train.sgd(0.1);
    expect(thrown(() => withSchedule(opt, schedule, { clipNorm: -1 })).message).toBe(
      'withSchedule: option "clipNorm" must be a finite number > 0 (got -1)',
    );
    expect(thrown(() => withSchedule(opt, schedule, { initialStep: 1.5 })).message).toBe(
      'withSchedule: option "initialStep" must be an integer in [0, 2^53) (got 1.5)',
    );
    expect(thrown(() => setLearningRate(opt, Number.NaN)).message).toBe(
      'setLearningRate: option "learningRate" must be a finite number >= 0 (got NaN)',
    );
    opt.dispose();
  });

  it('carries the brand every burnin error carries', () => {
    const opt = tf.train.sgd(0.1);
    const e = thrown(() => withSchedule(opt, schedule, { clipNorm: 0 }));
    expect(isBurninError(e)).toBe(true);
    expect(isBurninError(new RangeError('x'))).toBe(false);
    opt.dispose();
  });
});
