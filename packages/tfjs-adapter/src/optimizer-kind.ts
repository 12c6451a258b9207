import type * as tf from '@tensorflow/tfjs-core';
import { AdapterOptionError } from './errors.js';

/** The class names (`getClassName()`) of the seven tfjs optimizers this package drives. */
export const SUPPORTED_OPTIMIZERS = [
  'SGD',
  'Momentum',
  'Adam',
  'Adamax',
  'RMSProp',
  'Adagrad',
  'Adadelta',
] as const;

/** One of {@link SUPPORTED_OPTIMIZERS}. */
export type OptimizerKind = (typeof SUPPORTED_OPTIMIZERS)[number];

/**
 * The kind of a tfjs optimizer, from its `getClassName()`; throws {@link AdapterOptionError}
 * (option `optimizer`) for anything else, a wrapped optimizer included.
 */
export function optimizerKind(fn: string, optimizer: tf.Optimizer): OptimizerKind {
  const name =
    optimizer != null && typeof optimizer.getClassName === 'function'
      ? optimizer.getClassName()
      : undefined;
  if (!(SUPPORTED_OPTIMIZERS as readonly string[]).includes(name as string)) {
    throw new AdapterOptionError(
      fn,
      'optimizer',
      name ?? optimizer,
      `one of the tfjs optimizers ${SUPPORTED_OPTIMIZERS.join(', ')}`,
    );
  }
  return name as OptimizerKind;
}

/**
 * The learning rate a tfjs optimizer will use on its next update (all seven keep it in their
 * `learningRate` field). For Adamax with `decay > 0` tfjs further divides it by
 * `1 + decay * iterations`; this returns the undivided field.
 */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof lr !== 'number') {
    throw new AdapterOptionError(
      'getLearningRate',
      'optimizer',
      optimizer,
      'an optimizer with a numeric learningRate field',
    );
  }
  return lr;
}
