/**
 * The parts of the sharded update (see createGradientStepper's `shardedUpdate`) that the main
 * thread and the workers share: which optimizer weights belong to which variables, the
 * shard-order gradient sum, the optimizer state as plain arrays, and waiting on a flag.
 */
import { addFloat32Into } from '@burnin/backend';
import { disposeOptimizerWeights, type ScheduledOptimizer } from '@burnin/tfjs-adapter';
import * as tf from '../tf.js';
import type { WorkerInit } from './shard.js';

type NamedTensor = { name: string; tensor: tf.Tensor };
/** An optimizer state entry as plain values (WorkerInit.update.state). */
export type StateEntry = NonNullable<NonNullable<WorkerInit['update']>['state']>[number];

/**
 * The optimizer slot entries of `getWeights()` (tfjs names them `<variable>/<slot>`, e.g.
 * `c2/kernel/m`) that belong to the variables `names`, in the list's order.
 */
export function slotEntries(
  weights: readonly NamedTensor[],
  names: readonly string[],
): NamedTensor[] {
  const prefixes = names.map((n) => `${n}/`);
  return weights.filter((w) => prefixes.some((p) => w.name.startsWith(p)));
}

/**
 * `into[off, off + n)` = the shards' gradients there summed in shard order,
 * `((g0 + g1) + g2) + ...`, each sum rounded to float32: the order (and so the bits) of the
 * main thread's sum when it sums all of them.
 */
export function sumShards(
  outs: readonly Float32Array[],
  off: number,
  n: number,
  into: Float32Array,
): void {
  const sum = into.subarray(off, off + n);
  sum.set(outs[0].subarray(off, off + n));
  for (let s = 1; s < outs.length; s++) addFloat32Into(sum, outs[s].subarray(off, off + n));
}

/**
 * The optimizer's weights (getWeights) as plain arrays, to start a worker's optimizer from;
 * null for an optimizer that has not updated yet (nothing to copy: a new one equals it).
 */
export async function optimizerState(optimizer: ScheduledOptimizer): Promise<StateEntry[] | null> {
  if (optimizer.iterations === 0 && optimizer.getState().step === 0) return null;
  const ws = await optimizer.getWeights();
  try {
    return ws.map((w) => ({
      name: w.name,
      shape: w.tensor.shape.slice(),
      dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
      values: w.tensor.dataSync().slice() as Float32Array | Int32Array,
    }));
  } finally {
    disposeOptimizerWeights(ws);
  }
}

/** Restores {@link optimizerState}'s entries into `optimizer` (setWeights copies them). */
export async function restoreOptimizerState(
  optimizer: ScheduledOptimizer,
  state: readonly StateEntry[],
): Promise<void> {
  const named = state.map((e) => ({ name: e.name, tensor: tf.tensor(e.values, e.shape, e.dtype) }));
  try {
    await optimizer.setWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}

/**
 * Blocks (Atomics.wait, for workers) until `flags[index] >= value`; checks `stop()` every
 * 100 ms and returns false when it says so.
 */
export function waitFlag(
  flags: Int32Array,
  index: number,
  value: number,
  stop: () => boolean,
): boolean {
  for (;;) {
    const cur = Atomics.load(flags, index);
    if (cur >= value) return true;
    if (stop()) return false;
    Atomics.wait(flags, index, cur, 100);
  }
}
