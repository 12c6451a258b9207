import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdapterOptionError, ScheduledOptimizer, withSchedule } from '../src/index.js';
import { expectClose, freshVariable, OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type StepFn = (opt: tf.Optimizer, w: tf.Variable) => void;
const viaMinimize: StepFn = (opt, w) => {
  opt.minimize(() => tf.sum(w) as tf.Scalar);
};
const viaApplyGradients: StepFn = (opt, w) => {
  const g = tf.onesLike(w);
  opt.applyGradients({ [w.name]: g });
  g.dispose();
};
const viaApplyGradientsArray: StepFn = (opt, w) => {
  const g = tf.onesLike(w);
  opt.applyGradients([{ name: w.name, tensor: g }]);
  g.dispose();
};

/**
 * Per-step displacement of w (reset to 0 before each step) under f(w) = sum(w): the gradient is
 * constant, so every optimizer's state evolves independently of the learning rate and its
 * displacement is linear in the learning rate used at that step.
 */
function displacements(opt: tf.Optimizer, steps: number, step: StepFn): number[] {
  const w = freshVariable([0, 0]);
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    tf.tidy(() => w.assign(tf.zerosLike(w)));
    step(opt, w);
    out.push(w.dataSync()[0]);
  }
  w.dispose();
  return out;
}

const STEPS = 12;

describe('withSchedule: the rate used at step k is schedule(k)', () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    for (const [via, fn] of [
      ['minimize', viaMinimize],
      ['applyGradients (map)', viaApplyGradients],
      ['applyGradients (array)', viaApplyGradientsArray],
    ] as const) {
      it(`${name} via ${via}`, () => {
        const unit = make(1);
        const base = displacements(unit, STEPS, fn);
        unit.dispose();
        const opt = withSchedule(make(123), schedule);
        const scheduled = displacements(opt, STEPS, fn);
        for (let k = 0; k < STEPS; k++) {
          expect(base[k]).toBeLessThan(0);
          expectClose(scheduled[k] / base[k], schedule(k));
        }
        expect(opt.step).toBe(STEPS);
        expect(opt.lastLearningRate).toBe(schedule(STEPS - 1));
        expect(opt.learningRate).toBe(schedule(STEPS));
        opt.dispose();
      });
    }
  }

  it('SGD moves w by exactly -schedule(k) (float32)', () => {
    const opt = withSchedule(tf.train.sgd(7), schedule, { initialStep: 3 });
    const w = freshVariable([0, 0, 0]);
    let expected = 0;
    for (let k = 3; k < 20; k++) {
      viaMinimize(opt, w);
      expected = Math.fround(expected + Math.fround(-schedule(k)));
      expect(Array.from(w.dataSync())).toEqual([expected, expected, expected]);
    }
    opt.dispose();
    w.dispose();
  });

  it('Momentum follows the float32 recurrence with c = -schedule(k)', () => {
    const opt = withSchedule(tf.train.momentum(7, 0.5), schedule);
    const w = freshVariable([0]);
    let acc = 0;
    let expected = 0;
    for (let k = 0; k < 15; k++) {
      viaMinimize(opt, w);
      acc = Math.fround(Math.fround(0.5 * acc) + 1);
      expected = Math.fround(Math.fround(Math.fround(-schedule(k)) * acc) + expected);
      expect(w.dataSync()[0]).toBe(expected);
    }
    opt.dispose();
    w.dispose();
  });

  it('Adam with a constant gradient moves by schedule(k) to within epsilon', () => {
    const opt = withSchedule(tf.train.adam(7), schedule);
    const moves = displacements(opt, STEPS, viaMinimize);
    // Exact arithmetic gives lr * g / (|g| + eps); float32 rounding of 1 - beta2^t adds ~1e-5.
    for (let k = 0; k < STEPS; k++) expectClose(-moves[k], schedule(k), 5e-5);
    opt.dispose();
  });

  it('is a tf.Optimizer and an instance of ScheduledOptimizer', () => {
    const opt = withSchedule(tf.train.adam(0.1), schedule);
    expect(opt instanceof tf.Optimizer).toBe(true);
    expect(opt).toBeInstanceOf(ScheduledOptimizer);
    expect(opt.getClassName()).toBe('ScheduledOptimizer');
    expect(opt.getConfig()).toMatchObject({ optimizer: 'Adam', step: 0 });
    opt.dispose();
  });
});

describe('withSchedule: options are validated', () => {
  it('rejects bad options with AdapterOptionError naming option, value and range', () => {
    const sgd = tf.train.sgd(0.1);
    const bad: [() => unknown, string, unknown][] = [
      [() => withSchedule(sgd, schedule, { initialStep: -1 }), 'initialStep', -1],
      [() => withSchedule(sgd, schedule, { initialStep: 1.5 }), 'initialStep', 1.5],
      [() => withSchedule(sgd, schedule, { clipNorm: 0 }), 'clipNorm', 0],
      [() => withSchedule(sgd, schedule, { clipNorm: Number.NaN }), 'clipNorm', Number.NaN],
      [() => withSchedule(sgd, 0.1 as never), 'schedule', 0.1],
      [() => withSchedule({} as tf.Optimizer, schedule), 'optimizer', {}],
    ];
    for (const [f, option, value] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AdapterOptionError);
      expect((err as AdapterOptionError).option).toBe(option);
      expect((err as AdapterOptionError).value).toEqual(value);
      expect((err as AdapterOptionError).message).toContain(option);
      expect((err as AdapterOptionError).allowed.length).toBeGreaterThan(0);
    }
    sgd.dispose();
  });

  it('rejects wrapping twice, Adamax with decay, momentum schedules without a coefficient', () => {
    const opt = withSchedule(tf.train.sgd(0.1), schedule);
    expect(() => withSchedule(opt, schedule)).toThrow(AdapterOptionError);
    const adamax = tf.train.adamax(0.1, 0.9, 0.999, undefined, 0.01);
    expect(() => withSchedule(adamax, schedule)).toThrow(/decay/);
    for (const make of [OPTIMIZERS.sgd, OPTIMIZERS.adagrad, OPTIMIZERS.adadelta]) {
      const o = make(0.1);
      expect(() => withSchedule(o, schedule, { momentum: () => 0.9 })).toThrow(/momentum/);
      o.dispose();
    }
    opt.dispose();
    adamax.dispose();
  });

  it('throws at update time when the schedule returns NaN, a negative or infinite value', () => {
    for (const v of [Number.NaN, -0.1, Number.POSITIVE_INFINITY]) {
      const opt = withSchedule(tf.train.adam(0.1), (k) => (k < 2 ? 0.1 : v));
      const w = freshVariable([1]);
      viaMinimize(opt, w);
      viaMinimize(opt, w);
      const before = w.dataSync()[0];
      expect(() => viaMinimize(opt, w)).toThrow(/schedule\(2\)/);
      expect(w.dataSync()[0]).toBe(before);
      expect(opt.step).toBe(2);
      opt.dispose();
      w.dispose();
    }
  });
});
