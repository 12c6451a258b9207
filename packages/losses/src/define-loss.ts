import * as tf from '@tensorflow/tfjs-core';
import { checkOptions } from './options.js';
import {
  checkPair,
  fusedLoss,
  type LossOptions,
  reduceLoss,
  resolveReduction,
  resolveWeights,
} from './reduction.js';

/** A loss as users call it: `(targets, predictions, options?) => tf.Tensor`. */
export type Loss<O> = (targets: tf.Tensor, predictions: tf.Tensor, options?: O) => tf.Tensor;

/** A loss on logits (the same function type, its second argument named for what it takes). */
export type LogitsLoss<O> = (targets: tf.Tensor, logits: tf.Tensor, options?: O) => tf.Tensor;

/**
 * The unreduced loss of `p` and its gradient in closed form, for {@link fusedLoss}: `forward(p)`
 * gives the loss (shape `lossShape`) and the tensors `backward` needs; `backward(p, saved, g)`
 * gives the gradient w.r.t. `p` from `g`, the gradient w.r.t. the unreduced loss (with a
 * trailing axis of 1 for a `rowLoss`, one whose last input axis is summed away).
 */
export interface FusedParts {
  forward: (p: tf.Tensor) => { loss: tf.Tensor; saved: tf.Tensor[] };
  backward: (p: tf.Tensor, saved: tf.Tensor[], g: tf.Tensor) => tf.Tensor;
  rowLoss?: boolean;
}

/** What the unreduced loss of a {@link defineLoss} loss gets besides its two inputs. */
export interface LossContext<P> {
  /** The checked parameters, from `spec.params`. */
  params: P;
  /** `options.weights` as a float32 tensor broadcastable to the unreduced loss, or null. */
  weights: tf.Tensor | null;
  lossShape: readonly number[];
}

/** How {@link defineLoss} checks a loss's inputs and options. */
export interface LossSpec<O, P> {
  /** The option keys the loss accepts (`OPTION_KEYS` in options.ts). */
  keys: readonly string[];
  /** The name of the second argument in errors: `'logits'` for losses on logits. */
  input?: 'predictions' | 'logits';
  /**
   * Checks what the shared checks do not (the loss's own options with `numberOption`, rank
   * needs) and returns the parameters the unreduced loss uses. Runs after the shape and dtype
   * checks, before any tensor is created; throws the package's typed errors.
   */
  params?: (fn: string, options: O, targets: tf.Tensor, predictions: tf.Tensor) => P;
  /** The shape of the unreduced loss (default: the shape of the predictions). */
  lossShape?: (predictions: tf.Tensor, params: P) => readonly number[];
  /**
   * The unreduced loss has the weights applied already (TF OD API localization losses): the
   * reduction uses them only for its denominator.
   */
  weightsApplied?: boolean;
}

/**
 * Defines the public loss `name`, in the manner of tfjs' `op()`: the returned function checks
 * the options object (`checkOptions`, `spec.keys`), the dtypes and shapes of `targets` and the
 * predictions (`checkPair`), `options.reduction`, the loss's own options (`spec.params`) and
 * `options.weights` against the unreduced shape, then runs `unreduced` in one `tf.tidy` and
 * reduces what it returns: a tensor (the unreduced loss, differentiated by autodiff) through
 * `reduceLoss`, or {@link FusedParts} (closed-form gradient) through `fusedLoss`. Nothing but
 * the result survives the tidy; an error leaves no tensor behind.
 */
export function defineLoss<O extends LossOptions, P = undefined>(
  name: string,
  unreduced: (
    targets: tf.Tensor,
    predictions: tf.Tensor,
    context: LossContext<P>,
  ) => tf.Tensor | FusedParts,
  spec: LossSpec<O, P>,
): Loss<O> {
  const input = spec.input ?? 'predictions';
  const call = input === 'logits' ? '(targets, logits, ' : '(labels, predictions, ';
  const loss = (targets: tf.Tensor, predictions: tf.Tensor, options?: O): tf.Tensor => {
    const o = checkOptions(name, options, spec.keys, call);
    checkPair(name, targets, predictions, input);
    const reduction = resolveReduction(name, o.reduction);
    const params = spec.params ? spec.params(name, o, targets, predictions) : (undefined as P);
    const lossShape = spec.lossShape ? spec.lossShape(predictions, params) : predictions.shape;
    return tf.tidy(name, () => {
      const weights = resolveWeights(name, o.weights, lossShape);
      const out = unreduced(targets, predictions, { params, weights, lossShape });
      if (out instanceof tf.Tensor) {
        return reduceLoss(out, weights, reduction, spec.weightsApplied);
      }
      const { forward, backward, rowLoss } = out;
      return fusedLoss(predictions, lossShape, forward, backward, weights, reduction, rowLoss);
    });
  };
  Object.defineProperty(loss, 'name', { value: name });
  return loss;
}
