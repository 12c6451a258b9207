import type * as tf from '@tensorflow/tfjs-core';

/** tfjs-core's `NamedTensor` (not re-exported from its index). */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/** One entry of a tfjs optimizer's slot arrays (e.g. Adam's `accumulatedFirstMoment`). */
export type Slot = { originalName: string; variable: tf.Variable };

/** Scalar counter variables of Adam (`accBeta1`, `accBeta2`) and Adamax (`accBeta1`, `iteration`). */
export type CounterField = 'accBeta1' | 'accBeta2' | 'iteration';

/**
 * The private fields of the seven tfjs-core 4.x optimizers that the drivers read or write
 * (names as in tfjs-core; each kind has only some of them). Only `optimizer-drivers.ts` and
 * `adamax-weights.ts` use this.
 */
export interface Internals {
  learningRate: number;
  /** SGD and Momentum: replaces the kept `-learningRate` scalar `c`. */
  setLearningRate?: (lr: number) => void;
  /** SGD and Momentum: the kept scalar `-learningRate`. */
  c?: tf.Scalar;
  /** Momentum: the kept scalar momentum the update multiplies by. */
  m?: tf.Scalar;
  /** Momentum and RMSProp: the momentum coefficient. */
  momentum?: number;
  beta1?: number;
  decay?: number;
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  iteration?: tf.Variable;
  /** Backing field of the public `iterations` getter. */
  iterations_?: number;
  [field: string]: unknown;
}

/** `optimizer` seen through its private fields. */
export function internals(optimizer: tf.Optimizer): Internals {
  return optimizer as unknown as Internals;
}

/** The non-empty entries of slot array `field` of `optimizer` (none when the field is unset). */
export function slots(optimizer: tf.Optimizer, field: string): Slot[] {
  const v = internals(optimizer)[field];
  return Array.isArray(v) ? (v as Slot[]).filter((s) => s != null) : [];
}
