import type { Schedule } from '../core/schedule.js';
import { ScheduleOptionError } from '../errors.js';
import * as keras from '../ports/keras.js';

/** `keras.optimizers.schedules.serialize(schedule)` output (Keras 3 format). */
export interface KerasScheduleConfig {
  module: string;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
}

interface Mapping {
  className: string;
  /** Keras 3 default `name`. */
  name: string;
  fn: (o: never) => Schedule;
  /** Our options, in Keras' config order; each config key is {@link snake} of the option. */
  options: readonly string[];
}

/** A config key from our option name: `initialLearningRate` -> `initial_learning_rate`. */
function snake(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const MAPPINGS: Record<string, Mapping> = {
  'keras.exponentialDecay': {
    className: 'ExponentialDecay',
    name: 'ExponentialDecay',
    fn: keras.exponentialDecay,
    options: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
  },
  'keras.piecewiseConstantDecay': {
    className: 'PiecewiseConstantDecay',
    name: 'PiecewiseConstant',
    fn: keras.piecewiseConstantDecay,
    options: ['boundaries', 'values'],
  },
  'keras.polynomialDecay': {
    className: 'PolynomialDecay',
    name: 'PolynomialDecay',
    fn: keras.polynomialDecay,
    options: ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle'],
  },
  'keras.inverseTimeDecay': {
    className: 'InverseTimeDecay',
    name: 'InverseTimeDecay',
    fn: keras.inverseTimeDecay,
    options: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
  },
  'keras.cosineDecay': {
    className: 'CosineDecay',
    name: 'CosineDecay',
    fn: keras.cosineDecay,
    options: ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'],
  },
  'keras.cosineDecayRestarts': {
    className: 'CosineDecayRestarts',
    name: 'SGDRDecay',
    fn: keras.cosineDecayRestarts,
    options: ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha'],
  },
};

// Pure: a bundle that never calls fromKerasConfig drops it.
const BY_CLASS = /* @__PURE__ */ new Map(
  /* @__PURE__ */ Object.values(MAPPINGS).map((m) => [m.className, m]),
);

/**
 * Serializes one of the six `keras.*` schedules in the format of Keras 3
 * `keras.optimizers.schedules.serialize` (`{ module, class_name, config, registered_name }`,
 * snake_case config keys, Keras' default `name`). Other schedules throw a {@link ScheduleOptionError}.
 * @example toKerasConfig(keras.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96 }))
 * // { module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1, ... } }
 */
export function toKerasConfig(schedule: Schedule): KerasScheduleConfig {
  const m = MAPPINGS[schedule?.spec?.type];
  if (!m) {
    throw new ScheduleOptionError(
      'toKerasConfig',
      'schedule',
      schedule?.spec?.type ?? schedule,
      `one of the Keras schedules (${Object.keys(MAPPINGS).join(', ')})`,
    );
  }
  const o = schedule.spec.options;
  const config: Record<string, unknown> = {};
  for (const ours of m.options) {
    const v = o[ours];
    config[snake(ours)] = Array.isArray(v) ? [...v] : (v ?? null);
  }
  config.name = m.name;
  return {
    module: 'keras.optimizers.schedules',
    class_name: m.className,
    config,
    registered_name: null,
  };
}

/**
 * Rebuilds a schedule from `keras.optimizers.schedules.serialize` output (Keras 3, or the
 * `{ class_name, config }` form of tf.keras 2), given as an object or JSON text. `name` is
 * ignored; unknown classes or config keys and invalid values throw a {@link ScheduleOptionError}
 * whose `option` is the config path (e.g. `'config.decay_steps'`).
 */
export function fromKerasConfig(json: unknown): Schedule {
  const ctx = 'fromKerasConfig';
  let obj = json;
  if (typeof obj === 'string') {
    try {
      obj = JSON.parse(obj);
    } catch {
      throw new ScheduleOptionError(
        ctx,
        'json',
        json,
        'a Keras schedule config object or its JSON text',
      );
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new ScheduleOptionError(
      ctx,
      'json',
      json,
      'a Keras schedule config object or its JSON text',
    );
  }
  const o = obj as Record<string, unknown>;
  if (o.module !== undefined && (typeof o.module !== 'string' || !o.module.includes('schedules'))) {
    throw new ScheduleOptionError(ctx, 'module', o.module, '"keras.optimizers.schedules"');
  }
  const m = typeof o.class_name === 'string' ? BY_CLASS.get(o.class_name) : undefined;
  if (!m)
    throw new ScheduleOptionError(
      ctx,
      'class_name',
      o.class_name,
      `one of ${[...BY_CLASS.keys()].join(', ')}`,
    );
  const config = o.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ScheduleOptionError(ctx, 'config', config, 'a config object');
  }
  const options: Record<string, unknown> = {};
  const known = new Map(m.options.map((ours) => [snake(ours), ours]));
  for (const [k, v] of Object.entries(config)) {
    if (k === 'name') continue;
    const ours = known.get(k);
    if (!ours)
      throw new ScheduleOptionError(
        ctx,
        `config.${k}`,
        v,
        `a known ${m.className} config key (${[...known.keys()].join(', ')}, name)`,
      );
    if (v !== null) options[ours] = v;
  }
  try {
    return m.fn(options as never);
  } catch (e) {
    if (e instanceof ScheduleOptionError && e.option !== 'step') {
      const ours = m.options.find((k) => e.option.startsWith(k));
      const path = ours ? `config.${snake(ours)}${e.option.slice(ours.length)}` : e.option;
      throw new ScheduleOptionError(ctx, path, e.value, e.allowed);
    }
    throw e;
  }
}
