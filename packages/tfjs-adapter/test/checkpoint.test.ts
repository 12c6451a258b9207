import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeOptimizerWeights, type WithScheduleOptions, withSchedule } from '../src/index.js';
import { freshVariable, OPTIMIZERS, quadraticStep, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const step = quadraticStep;

const VARIANTS: [string, (lr: number) => tf.Optimizer, WithScheduleOptions][] = [
  ...Object.entries(OPTIMIZERS).map(
    ([n, make]) =>
      [n, make, { initialStep: 2 }] as [string, (lr: number) => tf.Optimizer, WithScheduleOptions],
  ),
  [
    'adam + beta1 schedule + clipNorm',
    OPTIMIZERS.adam,
    { momentum: (k) => 0.8 + 0.01 * (k % 10), clipNorm: 1 },
  ],
  ['adamax + beta1 schedule', OPTIMIZERS.adamax, { momentum: (k) => 0.9 - 0.02 * (k % 5) }],
  ['momentum + momentum schedule', OPTIMIZERS.momentum, { momentum: (k) => 0.5 + 0.03 * k }],
  [
    'rmsprop(momentum) + momentum schedule',
    (lr) => tf.train.rmsprop(lr, 0.9, 0.5),
    { momentum: (k) => 0.1 * (k % 7) },
  ],
];

const TOTAL = 14;
const SPLIT = 6;

describe('checkpoint: save, reload, continue equals an uninterrupted run', () => {
  for (const [name, make, options] of VARIANTS) {
    it(name, async () => {
      // Uninterrupted run.
      const w = freshVariable([0, 0, 0, 0], 'ckpt_w');
      const opt = withSchedule(make(0.3), schedule, options);
      const lrs: number[] = [];
      for (let k = 0; k < TOTAL; k++) {
        step(opt, w);
        lrs.push(opt.lastLearningRate);
      }
      const final = Array.from(w.dataSync());
      opt.dispose();
      w.dispose();

      // Interrupted run: train, serialise with tf.io.encodeWeights, dispose everything.
      const before = tf.memory().numTensors;
      const w1 = freshVariable([0, 0, 0, 0], 'ckpt_w');
      const opt1 = withSchedule(make(0.3), schedule, options);
      const lrs1: number[] = [];
      for (let k = 0; k < SPLIT; k++) {
        step(opt1, w1);
        lrs1.push(opt1.lastLearningRate);
      }
      const saved = await opt1.getWeights();
      const encoded = await tf.io.encodeWeights(saved);
      disposeOptimizerWeights(saved);
      const savedW = Array.from(w1.dataSync());
      opt1.dispose();
      w1.dispose();
      expect(tf.memory().numTensors).toBe(before);

      // Resume into fresh objects (initialStep is overridden by the checkpoint).
      const w2 = freshVariable(savedW, 'ckpt_w');
      const opt2 = withSchedule(make(0.3), schedule, { ...options, initialStep: 0 });
      const decoded = tf.io.decodeWeights(encoded.data, encoded.specs);
      const entries = encoded.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] }));
      await opt2.setWeights(entries);
      tf.dispose(Object.values(decoded));
      expect(opt2.step).toBe(SPLIT + (options.initialStep ?? 0));
      for (let k = SPLIT; k < TOTAL; k++) {
        step(opt2, w2);
        lrs1.push(opt2.lastLearningRate);
      }
      expect(lrs1).toEqual(lrs);
      expect(Array.from(w2.dataSync())).toEqual(final);
      opt2.dispose();
      w2.dispose();
    });
  }

  it('getState/setState move the schedule position', () => {
    const opt = withSchedule(tf.train.sgd(1), schedule);
    expect(opt.getState()).toEqual({ step: 0 });
    opt.setState({ step: 40 });
    expect(opt.learningRate).toBe(schedule(40));
    const w = tf.variable(tf.zeros([1]));
    step(opt, w);
    expect(opt.lastLearningRate).toBe(schedule(40));
    expect(opt.getState()).toEqual({ step: 41 });
    expect(() => opt.setState({ step: -3 })).toThrow(/state\.step/);
    opt.dispose();
    w.dispose();
  });

  it('weights of a plain tfjs optimizer resume at initialStep + iter', async () => {
    const w = tf.variable(tf.zeros([4]));
    const plain = tf.train.adam(0.1);
    for (let k = 0; k < 5; k++) step(plain, w);
    const saved = await plain.getWeights();
    const opt = withSchedule(tf.train.adam(0.1), schedule, { initialStep: 10 });
    await opt.setWeights(saved);
    expect(opt.step).toBe(15);
    disposeOptimizerWeights(saved);
    plain.dispose();
    opt.dispose();
    w.dispose();
  });

  it('repeated getWeights/setWeights cycles do not grow numTensors (all seven)', async () => {
    for (const make of Object.values(OPTIMIZERS)) {
      const w = freshVariable([1, 2, 3, 4], 'cycle_w');
      const opt = withSchedule(make(0.1), schedule, { clipNorm: 1 });
      step(opt, w);
      let after1 = 0;
      for (let i = 1; i <= 20; i++) {
        const saved = await opt.getWeights();
        const encoded = await tf.io.encodeWeights(saved);
        disposeOptimizerWeights(saved);
        const decoded = tf.io.decodeWeights(encoded.data, encoded.specs);
        await opt.setWeights(
          encoded.specs.map((sp) => ({ name: sp.name, tensor: decoded[sp.name] })),
        );
        tf.dispose(Object.values(decoded));
        step(opt, w);
        if (i === 1) after1 = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(after1);
      expect(opt.step).toBe(21);
      opt.dispose();
      w.dispose();
    }
  });
});
