import { withSchedule } from '@burnin/tfjs-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { resolveConfig } from '../src/config.js';
import { batchAt, datasetsFromConfig } from '../src/data/batches.js';
import { LOSS_TERMS } from '../src/model/loss.js';
import * as tf from '../src/tf.js';
import {
  createGradientStepper,
  type GradientStepper,
  prepareBatch,
} from '../src/train/parallel.js';
import { type StepContext, trainStep } from '../src/train/step.js';
import { modelFromConfig } from '../src/train/train.js';

const cfg = resolveConfig({ preset: 'smoke' });
const ds = datasetsFromConfig(cfg);
const K = ds.train.classNames.length;
const B = cfg.train.batchSize;
const batch = (at: number) =>
  prepareBatch(batchAt(ds.train, cfg.seed, at * B, B, false), cfg.data.imageSize, K, 1);
/** Learning rate of update k (an SGD step moves each weight by exactly -lr * gradient). */
const lrAt = (k: number) => 0.01 / (k + 1);

let ctx: StepContext & { dispose(): Promise<void> };
const snapshot = () => ctx.model.variables.map((v) => Array.from(v.dataSync()));

beforeAll(async () => {
  await selectBackend('cpu', () => {});
  const model = modelFromConfig(cfg, K);
  const optimizer = withSchedule(tf.train.sgd(lrAt(0)), lrAt);
  const stepper: GradientStepper = await createGradientStepper({
    cfg,
    model,
    optimizer,
    numClasses: K,
    threads: 1,
  });
  ctx = {
    model,
    optimizer,
    stepper,
    dispose: async () => {
      await stepper.dispose();
      model.dispose();
      optimizer.dispose();
    },
  };
});
afterAll(async () => {
  await ctx.dispose();
});

describe('trainStep', () => {
  it('applies one SGD update of -lr * gradient and returns the loss parts', async () => {
    const b = batch(0);
    // the gradient tfjs computes at the current weights, through the stepper itself
    const ref = await ctx.stepper.compute(b);
    const grads = ctx.model.variables.map((v) => Array.from(ref.grads[v.name].dataSync()));
    const norm = Math.sqrt(grads.flat().reduce((a, g) => a + g * g, 0));
    tf.dispose(Object.values(ref.grads));
    const w0 = snapshot();
    const out = await trainStep(ctx, b, 0, { check: true });
    if (out.status !== 'ok') throw new Error(`diverged: ${out.what}`);
    expect(out.loss).toBe(ref.loss);
    expect(out.terms).toEqual(ref.terms);
    expect(out.terms).toHaveLength(LOSS_TERMS.length);
    const w = cfg.train.lossWeights;
    expect(out.loss).toBeCloseTo(w.heatmap * out.terms[0] + w.box * out.terms[1], 5);
    expect(out.lr).toBe(lrAt(0));
    expect(out.gradNorm).toBeCloseTo(norm, 4);
    const w1 = snapshot();
    let err = 0;
    for (let i = 0; i < w1.length; i++)
      for (let j = 0; j < w1[i].length; j++)
        err = Math.max(err, Math.abs(w1[i][j] - (w0[i][j] - lrAt(0) * grads[i][j])));
    expect(err).toBeLessThan(1e-6);
    expect(snapshot()).not.toEqual(w0);
    expect(ctx.optimizer.step).toBe(1);
  });

  it('without check: no gradient norm, still the update', async () => {
    const out = await trainStep(ctx, batch(1), 1);
    expect(out.status).toBe('ok');
    if (out.status === 'ok') {
      expect(out.gradNorm).toBeNull();
      expect(out.lr).toBe(lrAt(1));
    }
    expect(ctx.optimizer.step).toBe(2);
  });

  it('a NaN loss term or gradient stops before the update; NaN weights after it', async () => {
    const w0 = snapshot();
    const nan = await trainStep(ctx, batch(2), 2, { injectNaN: { step: 2, term: 'box' } });
    expect(nan).toMatchObject({
      status: 'diverged',
      applied: false,
      what: "loss term 'box' is NaN",
      diagnostic: { term: 'box', lastGradientNorm: null },
    });
    if (nan.status === 'diverged')
      expect(nan.diagnostic.batchImageIds).toEqual(batch(2).samples.map((s) => s.imageId));
    const grad = await trainStep(ctx, batch(2), 2, {
      check: true,
      injectNonFinite: { step: 2, target: 'gradients' },
    });
    expect(grad).toMatchObject({
      status: 'diverged',
      applied: false,
      what: 'the gradient norm is NaN',
      diagnostic: { term: 'gradients', lastGradientNorm: 'NaN' },
    });
    expect(snapshot()).toEqual(w0);
    expect(ctx.optimizer.step).toBe(2);
    const weights = await trainStep(ctx, batch(2), 2, {
      check: true,
      injectNonFinite: { step: 2, target: 'weights' },
    });
    expect(weights).toMatchObject({
      status: 'diverged',
      applied: true,
      diagnostic: { term: 'weights', learningRate: lrAt(2) },
    });
    if (weights.status === 'diverged') {
      expect(weights.what).toBe(`weights ${ctx.model.variables[0].name} are not finite`);
      expect(weights.diagnostic.nonFiniteWeights).toEqual([ctx.model.variables[0].name]);
    }
    expect(ctx.optimizer.step).toBe(3);
  });

  it('creates no tensor that outlives it, on every path', async () => {
    const before = tf.memory().numTensors;
    const b = batch(3);
    await trainStep(ctx, b, 3, { check: true });
    await trainStep(ctx, b, 4);
    await trainStep(ctx, b, 5, { injectNaN: { step: 5, term: 'heatmap' } });
    await trainStep(ctx, b, 5, { check: true, injectNonFinite: { step: 5, target: 'gradients' } });
    await trainStep(ctx, b, 5, { check: true, injectNonFinite: { step: 5, target: 'weights' } });
    expect(tf.memory().numTensors).toBe(before);
  });
});
