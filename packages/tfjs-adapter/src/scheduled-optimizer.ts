import * as tf from '@tensorflow/tfjs-core';

import { clipByGlobalNorm } from './clip-by-global-norm.js';
import {
  AdapterOptionError,
  checkNonNegative,
  checkOptionKeys,
  checkPositive,
  checkStep,
  checkUnitInterval,
} from './errors.js';
import { withGradientHint } from './missing-gradient.js';
import { DRIVERS, MOMENTUM_KINDS, type OptimizerDriver } from './optimizer-drivers.js';
import { type OptimizerKind, optimizerKind, SUPPORTED_OPTIMIZERS } from './optimizer-kind.js';
import type { ScheduleFn } from './schedule.js';
import type { NamedTensor } from './tfjs-internals.js';

/** Options of {@link withSchedule}. */
export interface WithScheduleOptions {
  /**
   * Schedule index of the first update (an integer `>= 0`). Default 0. The wrapper's first
   * update uses `schedule(initialStep)`. A checkpoint restored by `setWeights`/`setState`
   * overrides it.
   */
  initialStep?: number;
  /**
   * Clip gradients by their global norm before the update, as `tf.clip_by_global_norm`:
   * when `norm = sqrt(sum ||g||^2) > clipNorm` every gradient is scaled by `clipNorm / norm`.
   * Finite and `> 0`. Default: no clipping.
   */
  clipNorm?: number;
  /**
   * Compute the global gradient norm (exposed as `lastGradientNorm`) even without `clipNorm`.
   * Default: true when `clipNorm` is set, else false.
   */
  trackGradientNorm?: boolean;
  /**
   * Momentum schedule, applied to the coefficient the optimizer actually uses at update k:
   * - `Momentum`: the momentum `m` of `accum = m * accum + g` (the cached scalar tensor is
   *   replaced, the old one disposed; Nesterov uses it too);
   * - `Adam` and `Adamax`: `beta1`, with the bias correction `1 - prod_{i<=k} beta1_i`
   *   (the exact normaliser of the first moment for a time-varying beta1; equals
   *   tfjs's `1 - beta1^t` for a constant schedule);
   * - `RMSProp`: its `momentum` coefficient.
   * Values must lie in `[0, 1)`. Rejected (AdapterOptionError) for SGD, Adagrad and Adadelta,
   * which have no momentum coefficient.
   */
  momentum?: ScheduleFn;
  /**
   * Run Adam's update as one pass over host memory on the cpu and wasm backends (bit-identical
   * to tfjs's own update, with no kernel launch instead of 14 per variable). Default true; false runs
   * tfjs's update. Other optimizers and backends always run tfjs's update.
   */
  fused?: boolean;
}

/** What {@link ScheduledOptimizer.getState} returns: the schedule index of the next update. */
export interface ScheduledOptimizerState {
  /** Updates done, counting `initialStep` as done: the next update uses `schedule(step)`. */
  step: number;
}

/** Name prefix of the entries {@link ScheduledOptimizer.getWeights} adds to the inner ones. */
export const STATE_WEIGHT_PREFIX = 'scheduled_optimizer/';
const STEP_WEIGHT = `${STATE_WEIGHT_PREFIX}step`;

const FN = 'withSchedule';
const WITH_SCHEDULE_OPTIONS = ['initialStep', 'clipNorm', 'trackGradientNorm', 'momentum', 'fused'];
const SUPPORTED_OPTIMIZER_LIST = SUPPORTED_OPTIMIZERS.join(', ');

/**
 * A `tf.Optimizer` whose k-th update (counting from `initialStep`) uses learning rate
 * `schedule(k)`, exactly, for any of the seven tfjs optimizers. Create it with
 * {@link withSchedule}. It owns the wrapped optimizer: `dispose()` disposes both.
 */
export class ScheduledOptimizer extends tf.Optimizer {
  /** Serialization name (the class is not registered for deserialization). */
  static get className(): string {
    return 'ScheduledOptimizer';
  }

  /** The wrapped tfjs optimizer (do not update it directly). */
  readonly inner: tf.Optimizer;
  /** The learning-rate schedule. */
  readonly schedule: ScheduleFn;
  /** Which of the seven tfjs optimizers `inner` is. */
  readonly kind: OptimizerKind;
  /** The `clipNorm` option, or `undefined`. */
  readonly clipNorm: number | undefined;
  /** The momentum schedule, or `undefined`. */
  readonly momentumSchedule: ScheduleFn | undefined;

  /** What touches `inner`'s private fields (see `optimizer-drivers.ts`). */
  private readonly driver: OptimizerDriver;
  private step_: number;
  private lastLr = Number.NaN;
  private lastMomentum = Number.NaN;
  private readonly trackNorm: boolean;
  /** The driver's fused update when the `fused` option is on, else `undefined`. */
  private readonly fusedUpdate: OptimizerDriver['fusedUpdate'];
  private normTensor: tf.Scalar | null = null;
  private normValue = Number.NaN;
  /**
   * Product of the momentum coefficients used so far (float64); read only by kinds that
   * bias-correct by it (Adam/Adamax beta1).
   */
  private momentumProduct = 1;

  constructor(optimizer: tf.Optimizer, schedule: ScheduleFn, options: WithScheduleOptions = {}) {
    super();
    this.kind = optimizerKind(FN, optimizer);
    this.driver = DRIVERS[this.kind];
    if (typeof schedule !== 'function') {
      throw new AdapterOptionError(FN, 'schedule', schedule, 'a function (step: number) => number');
    }
    const {
      initialStep = 0,
      clipNorm,
      momentum,
      trackGradientNorm,
      fused = true,
    } = checkOptionKeys(FN, options, WITH_SCHEDULE_OPTIONS) as WithScheduleOptions;
    if (typeof fused !== 'boolean')
      throw new AdapterOptionError(FN, 'fused', fused, 'true or false');
    this.step_ = checkStep(FN, 'initialStep', initialStep);
    if (clipNorm !== undefined) checkPositive(FN, 'clipNorm', clipNorm);
    if (momentum !== undefined) {
      if (typeof momentum !== 'function') {
        throw new AdapterOptionError(
          FN,
          'momentum',
          momentum,
          'a function (step: number) => number',
        );
      }
      if (this.driver.momentum === undefined) {
        throw new AdapterOptionError(
          FN,
          'momentum',
          `a schedule for ${this.kind}`,
          `a schedule only for ${MOMENTUM_KINDS.join(', ')} (${this.kind} has no momentum coefficient)`,
        );
      }
    }
    this.driver.check(FN, optimizer);
    this.inner = optimizer;
    this.schedule = schedule;
    this.clipNorm = clipNorm;
    this.momentumSchedule = momentum;
    this.trackNorm = trackGradientNorm ?? clipNorm !== undefined;
    this.fusedUpdate = fused ? this.driver.fusedUpdate : undefined;
    const initialProduct = this.driver.momentum?.initialProduct;
    if (this.momentumSchedule && initialProduct) this.momentumProduct = initialProduct(optimizer);
  }

  /** Updates done, counting `initialStep` as done: the next update uses `schedule(step)`. */
  get step(): number {
    return this.step_;
  }

  /**
   * The learning rate the NEXT update will use, `schedule(step)` (before any update this is
   * `schedule(initialStep)`). See {@link lastLearningRate} for the rate just used.
   */
  get learningRate(): number {
    return this.schedule(this.step_);
  }

  /** The learning rate the most recent update used; NaN before the first update. */
  get lastLearningRate(): number {
    return this.lastLr;
  }

  /**
   * Global L2 norm of the gradients of the most recent update, before clipping. NaN when
   * unknown: before the first update, or when neither `clipNorm` nor `trackGradientNorm` is
   * set. Infinite or NaN when the gradients were. Read lazily (one device sync on first read).
   */
  get lastGradientNorm(): number {
    if (this.normTensor != null) {
      this.normValue = this.normTensor.dataSync()[0];
      this.normTensor.dispose();
      this.normTensor = null;
    }
    return this.normValue;
  }

  /** Validated schedule value for update `k`. */
  private lrAt(k: number): number {
    return checkNonNegative(FN, `schedule(${k})`, this.schedule(k));
  }

  /**
   * tfjs's `computeGradients` (which `minimize` and `model.fit` use); a gradient missing from
   * tfjs's registry is a `MissingGradientError` that names the fix.
   */
  override computeGradients(
    f: () => tf.Scalar,
    varList?: tf.Variable[],
  ): { value: tf.Scalar; grads: tf.NamedTensorMap } {
    return withGradientHint(() => super.computeGradients(f, varList));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const k = this.step_;
    const lr = this.lrAt(k);
    if (lr !== this.lastLr) this.driver.setLearningRate(this.inner, lr);
    let productNext = this.momentumProduct;
    if (this.momentumSchedule) productNext = this.applyMomentum(k);

    let grads = variableGradients;
    let owned: tf.Tensor[] = [];
    if (this.trackNorm) {
      const isArray = Array.isArray(variableGradients);
      const entries: [string, tf.Tensor | null][] = isArray
        ? (variableGradients as NamedTensor[]).map((g) => [g.name, g.tensor])
        : Object.entries(variableGradients as tf.NamedTensorMap);
      const out = clipByGlobalNorm(
        entries.map((e) => e[1]),
        this.clipNorm ?? Number.POSITIVE_INFINITY,
      );
      this.normTensor?.dispose();
      this.normTensor = tf.keep(out.norm);
      this.normValue = Number.NaN;
      owned = out.grads.filter((g): g is tf.Tensor => g != null);
      if (isArray) {
        grads = entries.map(([name], i) => ({ name, tensor: out.grads[i] as tf.Tensor }));
      } else {
        const map: tf.NamedTensorMap = {};
        entries.forEach(([name], i) => {
          map[name] = out.grads[i] as tf.Tensor;
        });
        grads = map;
      }
    }
    try {
      if (!this.fusedUpdate?.(this.inner, grads)) this.inner.applyGradients(grads);
    } finally {
      tf.dispose(owned);
    }
    this.lastLr = lr;
    this.momentumProduct = productNext;
    this.step_ = k + 1;
    this.incrementIterations();
  }

  /** Sets the momentum coefficient for update `k`; returns the coefficient product after it. */
  private applyMomentum(k: number): number {
    const m = checkUnitInterval(FN, `momentum(${k})`, this.momentumSchedule!(k));
    const product = this.momentumProduct * m;
    this.driver.momentum!.set(this.inner, m, m !== this.lastMomentum, product);
    this.lastMomentum = m;
    return product;
  }

  /** `{ step }`: the schedule index of the next update. */
  getState(): ScheduledOptimizerState {
    return { step: this.step_ };
  }

  /**
   * Restores `{ step }` (an integer `>= 0`); the next update uses `schedule(step)`. With an
   * Adam/Adamax beta1 schedule the bias-correction product is recomputed from the schedule
   * over the inner optimizer's `iterations` updates that precede `step`.
   */
  setState(state: ScheduledOptimizerState): void {
    this.step_ = checkStep('ScheduledOptimizer.setState', 'state.step', state?.step);
    this.resync();
  }

  private resync(): void {
    this.lastLr = Number.NaN;
    this.lastMomentum = Number.NaN;
    if (this.momentumSchedule && this.driver.momentum?.initialProduct) {
      let p = 1;
      const first = Math.max(0, this.step_ - this.inner.iterations);
      for (let k = first; k < this.step_; k++) p *= this.momentumSchedule(k);
      this.momentumProduct = p;
    }
  }

  /**
   * The inner optimizer's weights (in tfjs's order, starting with its `iter` counter) followed
   * by this wrapper's `scheduled_optimizer/*` entries: the step, and for Adam/Adamax the
   * exact bias-correction accumulators. Works for Adamax too (tfjs's own Adamax has no
   * getWeights). As in tfjs, the slot entries are the optimizer's live variables (read them,
   * do not dispose them) while the counters (`iter`, `scheduled_optimizer/*`) are new scalars:
   * release those with {@link disposeOptimizerWeights}. `tf.io.encodeWeights` serialises the
   * list; `model.save(..., { includeOptimizer: true })` stores it.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const out = [...(await this.driver.getWeights(this.inner))];
    out.push({ name: STEP_WEIGHT, tensor: tf.scalar(this.step_, 'int32') });
    for (const { name, variable } of this.driver.counters(this.inner)) {
      out.push({ name: `${STATE_WEIGHT_PREFIX}${name}`, tensor: variable.clone() });
    }
    return out;
  }

  /**
   * Restores what {@link getWeights} returned (e.g. after `tf.io.decodeWeights`): the inner
   * optimizer's slots and counters, the step, and the Adam/Adamax accumulators, so that a
   * resumed run equals an uninterrupted one. The old slot variables are disposed; the given
   * tensors are copied (the caller still owns them), so `setWeights(await getWeights())` on
   * the same optimizer changes nothing. Without a `scheduled_optimizer/step`
   * entry (weights saved from a plain tfjs optimizer) the step advances by the restored
   * `iter` minus the inner optimizer's current one: `initialStep + iter` for a fresh wrapper.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const own = new Map<string, tf.Tensor>();
    const rest: NamedTensor[] = [];
    for (const w of weightValues) {
      if (w.name.startsWith(STATE_WEIGHT_PREFIX)) {
        own.set(w.name.slice(STATE_WEIGHT_PREFIX.length), w.tensor);
      } else rest.push(w);
    }
    const innerIter = this.inner.iterations;
    // The replaced slots are disposed only after the new ones exist: the given weights may be
    // these very variables (`setWeights(getWeights())`), and the new slots copy them.
    const oldSlots = this.driver.slotVariables(this.inner);
    await this.driver.setWeights(this.inner, rest);
    tf.dispose(oldSlots);
    if (!own.has('step')) this.step_ += this.inner.iterations - innerIter;
    tf.tidy(() => {
      for (const { name, variable } of this.driver.counters(this.inner)) {
        const src = own.get(name);
        if (src != null) variable.assign(tf.reshape(tf.cast(src, 'float32'), []));
      }
    });
    const step = own.get('step');
    if (step != null) {
      this.step_ = checkStep('ScheduledOptimizer.setWeights', STEP_WEIGHT, (await step.data())[0]);
    }
    this.resync();
  }

  /**
   * The inner optimizer's class name and config, the step and `clipNorm`. `model.save(...,
   * { includeOptimizer: true })` stores it; `tf.loadLayersModel` then rebuilds, through
   * {@link ScheduledOptimizer.fromConfig}, a placeholder `ScheduledOptimizer` whose schedule
   * is the constant saved learning rate (a schedule function cannot be serialised) and whose
   * state is restored from the saved weights. Move that state into your own wrapper with
   * `mine.setWeights(await loaded.optimizer.getWeights())`.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      optimizer: this.inner.getClassName(),
      optimizerConfig: this.inner.getConfig(),
      step: this.step_,
      learningRate: this.learningRate,
      clipNorm: this.clipNorm ?? null,
    };
  }

  /** Rebuilds the placeholder described in {@link getConfig} (used by `tf.loadLayersModel`). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    _cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const name = String(config.optimizer);
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
    if (entry == null) {
      throw new AdapterOptionError(
        'ScheduledOptimizer.fromConfig',
        'optimizer',
        name,
        `a registered tfjs optimizer (${SUPPORTED_OPTIMIZER_LIST})`,
      );
    }
    const [cls, fromConfig] = entry;
    const inner = fromConfig(cls, config.optimizerConfig as tf.serialization.ConfigDict);
    const lr = Number(config.learningRate);
    const clipNorm = config.clipNorm == null ? undefined : Number(config.clipNorm);
    return new ScheduledOptimizer(inner as unknown as tf.Optimizer, () => lr, {
      initialStep: Number(config.step ?? 0),
      clipNorm,
    }) as unknown as T;
  }

  /**
   * Disposes the wrapped optimizer (including the learning-rate scalar tfjs's Momentum
   * forgets in its own dispose) and this wrapper's tensors.
   */
  override dispose(): void {
    this.driver.dispose(this.inner);
    this.normTensor?.dispose();
    this.normTensor = null;
    super.dispose();
  }
}

// tf.Optimizer defines a duck-typed `instanceof` that subclasses inherit; restore the
// prototype-chain check for this class.
Object.defineProperty(ScheduledOptimizer, Symbol.hasInstance, {
  value: (x: unknown) =>
    x != null && Object.prototype.isPrototypeOf.call(ScheduledOptimizer.prototype, x),
});

tf.serialization.registerClass(ScheduledOptimizer);

/**
 * Disposes the tensors of a `getWeights()` list that the call created (counters such as
 * `iter` and `scheduled_optimizer/step`), leaving the optimizer's live slot variables alone.
 * Works for the lists of plain tfjs optimizers too.
 */
export function disposeOptimizerWeights(weights: readonly NamedTensor[]): void {
  tf.dispose(weights.filter((w) => !(w.tensor instanceof tf.Variable)).map((w) => w.tensor));
}

/**
 * Wraps `optimizer` (any of tfjs's sgd, momentum, adam, adamax, rmsprop, adagrad, adadelta)
 * so that its k-th `applyGradients`/`minimize`, counting from `options.initialStep ?? 0`,
 * uses learning rate `schedule(k)`. The result is a `tf.Optimizer`, so
 * `model.compile({ optimizer })` accepts it. Throws {@link AdapterOptionError} for a bad
 * option, an unsupported optimizer/momentum combination, Adamax with `decay != 0`, and at
 * update time for a schedule value that is not finite and `>= 0` (momentum: not in `[0, 1)`).
 *
 * @example
 * const opt = withSchedule(tf.train.adam(1e-3), exponentialDecayWithBurnin({ ... }));
 * model.compile({ optimizer: opt, loss: 'meanSquaredError' });
 */
export function withSchedule(
  optimizer: tf.Optimizer,
  schedule: ScheduleFn,
  options?: WithScheduleOptions,
): ScheduledOptimizer {
  return new ScheduledOptimizer(optimizer, schedule, options);
}
