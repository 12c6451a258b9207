/**
 * darknet's learning-rate policies (`get_current_rate` in `src/network.c`; `sgdr` from the
 * AlexeyAB fork). `step` is darknet's batch number (`get_current_batch`).
 * @module
 */
import { indexAtStep, powLn, powNonNeg, staircase } from '../core/math.js';
import {
  isNum,
  isNumArray,
  isOneOf,
  numOrAbsent,
  optNumber,
  parseOptions,
  per,
  type Rule,
  sizedBy,
} from '../core/options.js';
import { badStep, defineSchedule, type Schedule } from '../core/schedule.js';
import { fail, num } from '../core/validate.js';

/** Options of {@link schedule}, named after the `[net]` section keys of a `.cfg` file. */
export interface DarknetScheduleOptions {
  /** `learning_rate`. */
  learningRate: number;
  /** `burn_in`: length of the ramp `learningRate * (step / burnIn) ** power` (integer >= 0). Default 0. */
  burnIn?: number;
  /** `power`: exponent of the burn-in ramp and of `poly` (>= 0). Default 4. */
  power?: number;
  /** `policy`. Default `'constant'`. */
  policy?: DarknetPolicy;
  /** `step` (policy `step`, integer > 0; policy `sig`: the midpoint). Default 1. */
  step?: number;
  /** `scale` (policy `step`). Default 1. */
  scale?: number;
  /** `steps` (policy `steps`): non-decreasing integer steps >= 0. */
  steps?: number[];
  /** `scales` (policy `steps`): one factor per entry of `steps`. */
  scales?: number[];
  /** `gamma` (policies `exp` and `sig`). Default 1. */
  gamma?: number;
  /** `max_batches` (policy `poly`, integer > 0; default length of an `sgdr` cycle). */
  maxBatches?: number;
  /** `sgdr_cycle`: first cycle length (integer > 0). Default `maxBatches`. */
  sgdrCycle?: number;
  /** `sgdr_mult`: cycle length multiplier (integer >= 1). Default 2. */
  sgdrMult?: number;
  /** `learning_rate_min` (policy `sgdr`). Default 0.00001. */
  learningRateMin?: number;
  /** Policy `random`: the `srand` seed of glibc's `rand()` (integer in [0, 2^32)). Default 1 (C's seed when `srand` is never called). */
  seed?: number;
}

/** darknet `policy=` values. */
export type DarknetPolicy =
  | 'constant'
  | 'step'
  | 'steps'
  | 'exp'
  | 'poly'
  | 'random'
  | 'sig'
  | 'sgdr';

/** darknet writes pi as this literal in its sgdr policy. */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: darknet's own constant, kept for exactness
const DARKNET_PI = 3.14159265;

const POLICIES = ['constant', 'step', 'steps', 'exp', 'poly', 'random', 'sig', 'sgdr'] as const;

/**
 * glibc's `rand()` (`random_r` TYPE_3: additive feedback `r[i] = r[i - 3] + r[i - 31]` over 31
 * words seeded by `16807 * x mod (2^31 - 1)`, 310 outputs discarded, `>> 1`), with the outputs
 * after `srand(seed)` indexed from 0. Sequential reads are O(1); going back reseeds.
 */
class GlibcRand {
  private readonly state = new Int32Array(31);
  private f = 3;
  private r = 0;
  private n = 0;
  constructor(private readonly seed: number) {
    this.reset();
  }
  private reset(): void {
    const st = this.state;
    const seed = this.seed === 0 ? 1 : this.seed;
    let word = seed | 0; // int32_t, as glibc stores it
    st[0] = word;
    for (let i = 1; i < 31; i++) {
      const hi = Math.trunc(word / 127773);
      const lo = word % 127773;
      word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      st[i] = word;
    }
    this.f = 3;
    this.r = 0;
    for (let i = 0; i < 310; i++) this.next();
    this.n = 0;
  }
  private next(): number {
    const st = this.state;
    const v = (st[this.f] + st[this.r]) | 0;
    st[this.f] = v;
    if (++this.f >= 31) this.f = 0;
    if (++this.r >= 31) this.r = 0;
    this.n++;
    return v >>> 1;
  }
  /** The `k`-th output (0-based) after `srand(seed)`. */
  at(k: number): number {
    if (k < this.n) this.reset();
    let v = 0;
    while (this.n < k) this.next();
    v = this.next();
    return v;
  }
}

/**
 * darknet's learning rate at batch `step`: during burn-in (`step < burnIn`)
 * `learningRate * (step / burnIn) ** power`, then the policy:
 * - `constant`: `learningRate`
 * - `step`: `learningRate * scale ** floor(step / stepSize)`
 * - `steps`: `learningRate` times every `scales[i]` with `steps[i] <= step`
 * - `exp`: `learningRate * gamma ** step`
 * - `poly`: `learningRate * (1 - step / maxBatches) ** power` (a `ScheduleStepError` past `maxBatches`, where darknet stops)
 * - `random`: `learningRate * u ** power`, `u = (float)rand() / RAND_MAX` from glibc's `rand()`
 *   after `srand(seed)`, one draw per batch from the end of burn-in on (batch `b` takes draw
 *   `floor(b) - burnIn`), as if the policy were `rand()`'s only caller
 * - `sig`: `learningRate / (1 + exp(gamma * (step - stepOption)))`
 * - `sgdr`: cosine from `learningRate` to `learningRateMin` over cycles of `sgdrCycle * sgdrMult ** i` batches
 *   (a cycle restarts after, not at, its last batch, and darknet's `3.14159265` is used for pi)
 * @example schedule({ learningRate: 0.001, burnIn: 1000, policy: 'steps', steps: [400000, 450000], scales: [0.1, 0.1] })
 */
export function schedule(options: DarknetScheduleOptions): Schedule {
  const ctx = 'darknet.schedule';
  // A policy's options are read (and recorded) only for that policy.
  const byPolicy = <T>(rules: Partial<Record<DarknetPolicy, Rule<T>>>) => per<T>('policy', rules);
  const spec = parseOptions(ctx, options, {
    learningRate: isNum(),
    burnIn: optNumber(0, { int: true, min: 0 }),
    power: optNumber(4, { min: 0 }),
    policy: isOneOf(POLICIES, 'constant'),
    step: byPolicy({ step: optNumber(1, { int: true, gt: 0 }), sig: optNumber(1) }),
    scale: byPolicy({ step: optNumber(1, { min: 0 }) }),
    steps: byPolicy({ steps: isNumArray({ int: true, min: 0 }, 'nondecreasing', []) }),
    scales: byPolicy({ steps: sizedBy('steps', 0, 'numbers', isNumArray({ min: 0 }, 'none', [])) }),
    gamma: byPolicy({ exp: optNumber(1, { min: 0 }), sig: optNumber(1) }),
    maxBatches: byPolicy({
      poly: isNum({ int: true, gt: 0 }),
      sgdr: numOrAbsent({ int: true, gt: 0 }),
    }),
    sgdrCycle: byPolicy({
      sgdr: (c, name, v, prev) => {
        if (v !== undefined) return num(c, name, v, { int: true, gt: 0 });
        if (prev.maxBatches === undefined) fail(c, name, v, 'an integer > 0 (or give maxBatches)');
        return prev.maxBatches as number;
      },
    }),
    sgdrMult: byPolicy({ sgdr: optNumber(2, { int: true, min: 1 }) }),
    learningRateMin: byPolicy({ sgdr: optNumber(0.00001) }),
    seed: byPolicy({ random: optNumber(1, { int: true, min: 0, max: 4294967295 }) }),
  });
  const { learningRate, burnIn, power, policy } = spec;
  // One closure per policy (monomorphic, allocation-free); burn-in checked inline in each.
  const def = (fn: (step: number) => number) => defineSchedule(ctx, spec, fn);
  switch (policy) {
    case 'constant':
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate;
      });
    case 'step': {
      const stairs = staircase(learningRate, spec.scale as number, spec.step as number);
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return stairs(b);
      });
    }
    case 'steps': {
      const steps = spec.steps as number[];
      const scales = spec.scales as number[];
      const values = [learningRate];
      for (const s of scales) values.push(values[values.length - 1] * s);
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return values[indexAtStep(steps, b)];
      });
    }
    case 'exp': {
      const ln = Math.log(spec.gamma as number);
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate * powLn(ln, b);
      });
    }
    case 'poly': {
      const maxBatches = spec.maxBatches as number;
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        if (b > maxBatches)
          badStep(ctx, b, `a finite number in [0, maxBatches = ${maxBatches}] (policy poly)`);
        return learningRate * powNonNeg(1 - b / maxBatches, power);
      });
    }
    case 'random': {
      const rng = new GlibcRand(spec.seed as number);
      const f32 = new Float32Array(1);
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        // (float)rand() / RAND_MAX in float arithmetic: RAND_MAX converts to 2^31 exactly.
        f32[0] = rng.at(Math.floor(b) - burnIn);
        const u = f32[0] / 2147483648;
        return learningRate * powNonNeg(u, power);
      });
    }
    case 'sig': {
      const mid = spec.step as number;
      const gamma = spec.gamma as number;
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        return learningRate * (1 / (1 + Math.exp(gamma * (b - mid))));
      });
    }
    case 'sgdr': {
      const cycle = spec.sgdrCycle as number;
      const mult = spec.sgdrMult as number;
      const lrMin = spec.learningRateMin as number;
      // Cycle cache: the cycle (start, start + size] darknet's loop found for the last step.
      let start = 0;
      let size = cycle;
      return def((b) => {
        if (b < burnIn) return learningRate * powNonNeg(b / burnIn, power);
        if (!((b > start || start === 0) && b <= start + size)) {
          start = 0;
          size = cycle;
          if (mult === 1) {
            if (b > size) start = (Math.ceil(b / size) - 1) * size;
          } else {
            while (start + size < b) {
              start += size;
              size *= mult;
            }
          }
        }
        return (
          lrMin + 0.5 * (learningRate - lrMin) * (1 + Math.cos(((b - start) * DARKNET_PI) / size))
        );
      });
    }
  }
}
