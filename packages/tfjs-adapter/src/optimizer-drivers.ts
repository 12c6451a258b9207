import * as tf from '@tensorflow/tfjs-core';
import { ADAMAX_SLOTS, adamaxGetWeights, adamaxSetWeights } from './adamax-weights.js';
import { AdapterOptionError } from './errors.js';
import { fusedAdamUpdate } from './fused-adam.js';
import { type OptimizerKind, SUPPORTED_OPTIMIZERS } from './optimizer-kind.js';
import { type CounterField, internals, type NamedTensor, slots } from './tfjs-internals.js';

/** One optimizer update from these gradients; false when it did not apply (nothing changed). */
export type FusedUpdate = (
  optimizer: tf.Optimizer,
  grads: tf.NamedTensorMap | NamedTensor[],
) => boolean;

/** How the wrapper drives one kind's momentum coefficient (absent for kinds without one). */
export interface MomentumDriver {
  /**
   * Writes coefficient `m` (in `[0, 1)`) where the next update reads it. `changed`: `m`
   * differs from the coefficient this driver last wrote (true after a resync). `product`: the
   * product of all coefficients through the next update, `m` included (float64); only kinds
   * with {@link initialProduct} use it.
   */
  set(optimizer: tf.Optimizer, m: number, changed: boolean, product: number): void;
  /**
   * Present for kinds that bias-correct by the product of their coefficients (Adam and
   * Adamax: `1 - prod beta1_i`): the product the optimizer's own updates so far imply.
   */
  initialProduct?(optimizer: tf.Optimizer): number;
}

/**
 * Everything the wrapper needs to know about one of the seven tfjs optimizer kinds: each
 * entry is the only code that touches that kind's private fields (tfjs-core 4.x names).
 */
export interface OptimizerDriver {
  /** Throws {@link AdapterOptionError} for a configuration the schedule cannot drive exactly. */
  check(fn: string, optimizer: tf.Optimizer): void;
  /** Writes learning rate `lr` where the next update reads it (leak-free). */
  setLearningRate(optimizer: tf.Optimizer, lr: number): void;
  /** The momentum coefficient, or `undefined` for SGD, Adagrad and Adadelta. */
  momentum: MomentumDriver | undefined;
  /**
   * A faster update, bit-identical to `optimizer.applyGradients(grads)`; returns false, having
   * changed nothing, where it does not apply. `undefined`: always tfjs's update.
   */
  fusedUpdate: FusedUpdate | undefined;
  /** The live slot variables (moments, accumulators), all of them. */
  slotVariables(optimizer: tf.Optimizer): tf.Variable[];
  /** tfjs's weights list: a new `iter` counter first, then the live slot variables. */
  getWeights(optimizer: tf.Optimizer): Promise<NamedTensor[]>;
  /** Restores a {@link getWeights} list; the replaced slot variables are NOT disposed. */
  setWeights(optimizer: tf.Optimizer, weights: NamedTensor[]): Promise<void>;
  /** The scalar counters a checkpoint must carry beside the weights (Adam, Adamax), in order. */
  counters(optimizer: tf.Optimizer): { name: CounterField; variable: tf.Variable }[];
  /** Disposes the optimizer, including what tfjs's own `dispose` forgets. */
  dispose(optimizer: tf.Optimizer): void;
}

/** The parts of a driver that differ between kinds; {@link define} fills in the rest. */
interface DriverSpec extends Partial<Omit<OptimizerDriver, 'slotVariables' | 'counters'>> {
  /** Field names of the `{ originalName, variable }[]` slot arrays tfjs keeps. */
  slots?: readonly string[];
  /** Field names of the scalar counters, see {@link OptimizerDriver.counters}. */
  counters?: readonly CounterField[];
}

function define(spec: DriverSpec): OptimizerDriver {
  const slotFields = spec.slots ?? [];
  const counterFields = spec.counters ?? [];
  return {
    check: spec.check ?? (() => {}),
    setLearningRate: spec.setLearningRate ?? setLearningRateField,
    momentum: spec.momentum,
    fusedUpdate: spec.fusedUpdate,
    slotVariables: (opt) => slotFields.flatMap((f) => slots(opt, f).map((s) => s.variable)),
    getWeights: spec.getWeights ?? ((opt) => opt.getWeights()),
    setWeights: spec.setWeights ?? ((opt, weights) => opt.setWeights(weights)),
    counters: (opt) => {
      const o = internals(opt);
      const out: { name: CounterField; variable: tf.Variable }[] = [];
      for (const name of counterFields) {
        const variable = o[name];
        if (variable != null) out.push({ name, variable });
      }
      return out;
    },
    dispose: spec.dispose ?? ((opt) => opt.dispose()),
  };
}

/** Adam, Adamax, RMSProp, Adagrad, Adadelta read their `learningRate` field on every update. */
function setLearningRateField(opt: tf.Optimizer, lr: number): void {
  internals(opt).learningRate = lr;
}

/** SGD and Momentum cache `-lr` in a kept scalar that only their `setLearningRate` replaces. */
function setLearningRateScalar(opt: tf.Optimizer, lr: number): void {
  internals(opt).setLearningRate!(lr);
}

/**
 * Adam and Adamax: `beta1`, and `accBeta1` set to the exact product through this update
 * (tfjs divides by `1 - accBeta1` before multiplying it by beta1).
 */
const BETA1: MomentumDriver = {
  set(opt, m, _changed, product) {
    const o = internals(opt);
    o.beta1 = m;
    const acc = o.accBeta1!;
    tf.tidy(() => acc.assign(tf.scalar(product)));
  },
  initialProduct: (opt) => (internals(opt).beta1 as number) ** opt.iterations,
};

/** The drivers, one per kind. */
export const DRIVERS: Readonly<Record<OptimizerKind, OptimizerDriver>> = {
  SGD: define({ setLearningRate: setLearningRateScalar }),
  Momentum: define({
    setLearningRate: setLearningRateScalar,
    slots: ['accumulations'],
    momentum: {
      // The update multiplies by the kept scalar `m`, not by the `momentum` field.
      set(opt, m, changed) {
        if (!changed) return;
        const o = internals(opt);
        const old = o.m;
        o.m = tf.keep(tf.scalar(m));
        old?.dispose();
        o.momentum = m;
      },
    },
    // tfjs's Momentum dispose forgets the learning-rate scalar `c` it inherits from SGD.
    dispose(opt) {
      const o = internals(opt);
      opt.dispose();
      if (o.c != null && !o.c.isDisposed) o.c.dispose();
    },
  }),
  Adam: define({
    slots: ['accumulatedFirstMoment', 'accumulatedSecondMoment'],
    counters: ['accBeta1', 'accBeta2'],
    momentum: BETA1,
    fusedUpdate: fusedAdamUpdate,
  }),
  Adamax: define({
    slots: ADAMAX_SLOTS,
    counters: ['accBeta1', 'iteration'],
    momentum: BETA1,
    check(fn, opt) {
      const decay = internals(opt).decay;
      if ((decay ?? 0) !== 0) {
        throw new AdapterOptionError(
          fn,
          'optimizer.decay',
          decay,
          '0 (the schedule replaces Adamax decay)',
        );
      }
    },
    getWeights: adamaxGetWeights,
    setWeights: adamaxSetWeights,
  }),
  RMSProp: define({
    slots: ['accumulatedMeanSquares', 'accumulatedMoments', 'accumulatedMeanGrads'],
    momentum: {
      set(opt, m) {
        internals(opt).momentum = m;
      },
    },
  }),
  Adagrad: define({ slots: ['accumulatedGrads'] }),
  Adadelta: define({ slots: ['accumulatedGrads', 'accumulatedUpdates'] }),
};

/** The kinds with a momentum coefficient, in {@link SUPPORTED_OPTIMIZERS} order. */
export const MOMENTUM_KINDS: readonly OptimizerKind[] = SUPPORTED_OPTIMIZERS.filter(
  (k) => DRIVERS[k].momentum !== undefined,
);
