import type { ScheduledOptimizer } from '@burnin/tfjs-adapter';
import type { Detector } from '../model/centernet.js';
import { LOSS_TERMS } from '../model/loss.js';
import * as tf from '../tf.js';
import type { GradientStepper } from './parallel.js';
import type { StepBatch } from './prepared-batch.js';

/** What one {@link trainStep} works on: the model, its optimizer and the gradient stepper. */
export interface StepContext {
  model: Detector;
  /** Updates `model.variables`; its `schedule(step)` is the learning rate of update `step`. */
  optimizer: ScheduledOptimizer;
  /** Computes the batch's gradients (over its threads, see createGradientStepper). */
  stepper: GradientStepper;
}

/** Fault injection for tests (see TrainOptions). */
export interface StepFaults {
  /** The loss term that becomes NaN at this step. */
  injectNaN?: { step: number; term: (typeof LOSS_TERMS)[number] };
  /** At step `step` the gradients (before the update) or the weights (after it) become NaN. */
  injectNonFinite?: { step: number; target: 'gradients' | 'weights' };
  /** Worker `worker` (1-based shard) fails at step `step`. */
  injectWorkerFailure?: { step: number; worker: number };
}

/** Options of {@link trainStep}. */
export interface StepOptions extends StepFaults {
  /**
   * Compute the global gradient norm and check that it and the updated weights are finite
   * (each check syncs with the backend, so the loop asks for it at log and checkpoint steps
   * only). Without it `gradNorm` is null and only the loss is checked.
   */
  check?: boolean;
  /** Runs on the main thread while the workers finish their shards (e.g. the next batch). */
  whileWaiting?: () => void;
}

/** A step whose loss, gradients and weights were finite: the update was applied. */
export interface StepDone {
  status: 'ok';
  /** Total loss of the batch (before the update). */
  loss: number;
  /** Loss terms in {@link LOSS_TERMS} order (heatmap, box). */
  terms: number[];
  /** Learning rate the update used, `optimizer.schedule(step)`. */
  lr: number;
  /** Global L2 norm of the gradients; null unless `check`. */
  gradNorm: number | null;
}

/** A step that found a NaN or infinity: what it was and the fields for diagnostic.json. */
export interface StepDiverged {
  status: 'diverged';
  /** Whether the (bad) update was applied: true only when the weights came out non-finite. */
  applied: boolean;
  /** Description, e.g. `loss term 'box' is NaN`. */
  what: string;
  /** Fields of diagnostic.json: `term`, `terms`, `batchImageIds`, `lastGradientNorm`, ... */
  diagnostic: Record<string, unknown>;
}

/** Result of {@link trainStep}. */
export type StepOutcome = StepDone | StepDiverged;

/** NaN when any of `xs` holds a NaN or infinity, else 0: one fused reduction, one sync. */
function nonFiniteProbe(xs: readonly tf.Tensor[]): number {
  if (xs.length === 0) return 0;
  return tf.tidy(() => tf.addN(xs.map((x) => tf.sum(tf.mul(x, 0)))).dataSync()[0]);
}

/** Global L2 norm of gradients (NaN/Infinity when one is not finite or it overflows). */
function globalNorm(grads: readonly tf.Tensor[]): number {
  if (grads.length === 0) return 0;
  return Math.sqrt(tf.tidy(() => tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
}

/**
 * One optimizer step over a prepared batch at update index `step` (= updates done so far):
 * forward, loss and gradients (`ctx.stepper`), finite checks, and the update with the
 * learning rate `ctx.optimizer.schedule(step)`. A non-finite loss term or loss stops before
 * the update; with `check`, a non-finite gradient norm stops before it and non-finite
 * weights after it (`applied: true`). Never throws for a NaN: the caller decides (the
 * trainer writes diagnostic.json). Creates no tensor that outlives the call; the gradients
 * are disposed on every path. Throws WorkerError when a data-parallel worker fails.
 */
export async function trainStep(
  ctx: StepContext,
  batch: StepBatch,
  step: number,
  options: StepOptions = {},
): Promise<StepOutcome> {
  const { model, optimizer, stepper } = ctx;
  if (options.injectWorkerFailure?.step === step)
    stepper.injectWorkerFailure(options.injectWorkerFailure.worker);
  const {
    grads,
    loss,
    terms: termValues,
    imageIds: batchImageIds,
  } = await stepper.compute(batch, options.whileWaiting, options.check);
  if (options.injectNaN && options.injectNaN.step === step)
    termValues[LOSS_TERMS.indexOf(options.injectNaN.term)] = Number.NaN;
  const terms = Object.fromEntries(LOSS_TERMS.map((n, i) => [n, String(termValues[i])]));
  const bad = termValues.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0 || !Number.isFinite(loss)) {
    tf.dispose(Object.values(grads));
    const term = bad >= 0 ? LOSS_TERMS[bad] : 'total';
    return {
      status: 'diverged',
      applied: false,
      what: `loss term '${term}' is ${termValues[bad] ?? loss}`,
      diagnostic: { term, terms, batchImageIds, lastGradientNorm: null },
    };
  }
  const gradList = Object.values(grads).filter((g): g is tf.Tensor => g != null);
  if (options.injectNonFinite?.step === step && options.injectNonFinite.target === 'gradients')
    tf.tidy(() => {
      const g0 = gradList[0];
      gradList[0] = tf.keep(tf.mul(g0, Number.NaN));
      g0.dispose();
      (grads as Record<string, tf.Tensor>)[Object.keys(grads)[0]] = gradList[0];
    });
  // the gradient norm (metrics' gradNorm) and finiteness: only when asked (one sync each)
  let gradNorm: number | null = null;
  if (options.check) {
    gradNorm = globalNorm(gradList);
    if (!Number.isFinite(gradNorm)) {
      tf.dispose(gradList);
      return {
        status: 'diverged',
        applied: false,
        what: `the gradient norm is ${gradNorm}`,
        diagnostic: { term: 'gradients', terms, batchImageIds, lastGradientNorm: String(gradNorm) },
      };
    }
  }
  const lr = optimizer.schedule(step);
  // sharded over the threads: this thread's variables here, the workers' in the workers
  optimizer.applyGradients(stepper.ownGradients(grads));
  tf.dispose(gradList);
  await stepper.afterUpdate();
  if (options.injectNonFinite?.step === step && options.injectNonFinite.target === 'weights') {
    const nan = tf.fill(model.variables[0].shape, Number.NaN);
    model.variables[0].assign(nan);
    nan.dispose(); // the variable keeps its own reference
  }
  if (options.check && !Number.isFinite(nonFiniteProbe(model.variables))) {
    const names = model.variables
      .filter((v) => !Number.isFinite(nonFiniteProbe([v])))
      .map((v) => v.name);
    return {
      status: 'diverged',
      applied: true,
      what: `weights ${names.slice(0, 3).join(', ')} are not finite`,
      diagnostic: {
        term: 'weights',
        learningRate: lr,
        nonFiniteWeights: names,
        terms,
        batchImageIds,
        lastGradientNorm: String(gradNorm),
      },
    };
  }
  return { status: 'ok', loss, terms: termValues, lr, gradNorm };
}
