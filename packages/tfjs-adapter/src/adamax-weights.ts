import * as tf from '@tensorflow/tfjs-core';
import { internals, type NamedTensor, type Slot, slots } from './tfjs-internals.js';

/** Adamax's slot arrays, in the order its weights list them. */
export const ADAMAX_SLOTS = ['accumulatedFirstMoment', 'accumulatedWeightedInfNorm'] as const;

/**
 * The weights of a tfjs `AdamaxOptimizer` (which has no `getWeights` of its own), laid out as
 * tfjs's other optimizers do: a new int32 scalar `iter`, then the live slot variables.
 */
export async function adamaxGetWeights(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  return [
    { name: 'iter', tensor: tf.scalar(optimizer.iterations, 'int32') },
    ...ADAMAX_SLOTS.flatMap((f) => slots(optimizer, f)).map((s) => ({
      name: s.originalName,
      tensor: s.variable,
    })),
  ];
}

/**
 * Restores what {@link adamaxGetWeights} returned: `iter` (0 when absent), the slots (copied
 * into new variables, first half first moments, second half inf-norms; the replaced ones are
 * not disposed), then `iteration = iter` and `accBeta1 = beta1^(iter + 1)` as tfjs's update
 * leaves them.
 */
export async function adamaxSetWeights(
  optimizer: tf.Optimizer,
  weights: NamedTensor[],
): Promise<void> {
  const o = internals(optimizer);
  const iter = weights.find((w) => w.name === 'iter');
  o.iterations_ = iter ? (await iter.tensor.data())[0] : 0;
  const vars = weights.filter((w) => w.name !== 'iter');
  const n = vars.length / 2;
  const toSlots = (ws: NamedTensor[]): Slot[] =>
    ws.map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) }));
  o.accumulatedFirstMoment = toSlots(vars.slice(0, n));
  o.accumulatedWeightedInfNorm = toSlots(vars.slice(n));
  const t = o.iterations_ as number;
  tf.tidy(() => {
    o.iteration!.assign(tf.scalar(t));
    o.accBeta1!.assign(tf.pow(o.beta1 as number, t + 1));
  });
}
