import { constant } from '../core/primitives.js';
import type { Schedule } from '../core/schedule.js';
import { ScheduleOptionError, ScheduleParseError } from '../errors.js';
import {
  cosineDecayWithWarmup,
  exponentialDecayWithBurnin,
  manualStepping,
} from '../ports/tfod.js';
import { parseTextProto, type TextField, type TextScalar } from './textproto.js';

type FieldKind = 'float' | 'uint32' | 'bool';

/** Fields and proto defaults of object_detection/protos/optimizer.proto. */
const MESSAGES: Record<string, Record<string, { kind: FieldKind; default: number | boolean }>> = {
  constant_learning_rate: { learning_rate: { kind: 'float', default: 0.002 } },
  exponential_decay_learning_rate: {
    initial_learning_rate: { kind: 'float', default: 0.002 },
    decay_steps: { kind: 'uint32', default: 4000000 },
    decay_factor: { kind: 'float', default: 0.95 },
    staircase: { kind: 'bool', default: true },
    burnin_learning_rate: { kind: 'float', default: 0.0 },
    burnin_steps: { kind: 'uint32', default: 0 },
    min_learning_rate: { kind: 'float', default: 0.0 },
  },
  manual_step_learning_rate: {
    initial_learning_rate: { kind: 'float', default: 0.002 },
    warmup: { kind: 'bool', default: false },
  },
  cosine_decay_learning_rate: {
    learning_rate_base: { kind: 'float', default: 0.002 },
    total_steps: { kind: 'uint32', default: 4000000 },
    warmup_learning_rate: { kind: 'float', default: 0.0002 },
    warmup_steps: { kind: 'uint32', default: 10000 },
    hold_base_rate_steps: { kind: 'uint32', default: 0 },
  },
};

const OPTIMIZERS = ['rms_prop_optimizer', 'momentum_optimizer', 'adam_optimizer'] as const;

function isMessage(f: TextField): f is TextField & { value: TextField[] } {
  return Array.isArray(f.value);
}

function fail(f: TextField, message: string): never {
  throw new ScheduleParseError(message, f.line, f.column, f.name);
}

function scalarValue(f: TextField, kind: FieldKind): number | boolean {
  if (isMessage(f)) fail(f, `field "${f.name}" must be a ${kind}, not a message`);
  const v = f.value as TextScalar;
  if (kind === 'bool') {
    if (v.kind === 'identifier' && (v.text === 'true' || v.text === 'True')) return true;
    if (v.kind === 'identifier' && (v.text === 'false' || v.text === 'False')) return false;
    if (v.kind === 'number' && (v.value === 0 || v.value === 1)) return v.value === 1;
    fail(f, `field "${f.name}" must be true or false (got ${v.text})`);
  }
  if (v.kind !== 'number') fail(f, `field "${f.name}" must be a number (got ${v.text})`);
  const x = v.value as number;
  if (kind === 'uint32' && !(Number.isInteger(x) && x >= 0 && x <= 4294967295)) {
    fail(f, `field "${f.name}" must be an unsigned 32-bit integer (got ${v.text})`);
  }
  return x;
}

/** Reads a message's scalar fields with proto defaults; unknown or repeated fields throw. */
function readFields(
  msg: TextField,
  spec: Record<string, { kind: FieldKind; default: number | boolean }>,
  allowMessages: string[] = [],
) {
  const out: Record<string, number | boolean> = {};
  for (const [k, d] of Object.entries(spec)) out[k] = d.default;
  const seen = new Set<string>();
  for (const f of msg.value as TextField[]) {
    if (allowMessages.includes(f.name)) continue;
    const d = spec[f.name];
    if (!d)
      fail(
        f,
        `unknown field "${f.name}" in ${msg.name} (known: ${[...Object.keys(spec), ...allowMessages].join(', ')})`,
      );
    if (seen.has(f.name)) fail(f, `field "${f.name}" is given twice in ${msg.name}`);
    seen.add(f.name);
    out[f.name] = scalarValue(f, d.kind);
  }
  return out;
}

function wrapOptionError<T>(field: TextField, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ScheduleOptionError) {
      throw new ScheduleParseError(
        `invalid ${field.name}: ${e.message}`,
        field.line,
        field.column,
        field.name,
      );
    }
    throw e;
  }
}

/** Builds the schedule of a `learning_rate { ... }` message. */
function fromLearningRateMessage(lr: TextField): Schedule {
  if (!isMessage(lr)) fail(lr, 'learning_rate must be a message { ... }');
  const kinds = lr.value;
  if (kinds.length !== 1) {
    throw new ScheduleParseError(
      `learning_rate must contain exactly one of ${Object.keys(MESSAGES).join(', ')} (found ${kinds.length})`,
      lr.line,
      lr.column,
      'learning_rate',
    );
  }
  const m = kinds[0];
  if (!(m.name in MESSAGES))
    fail(m, `unknown learning rate type "${m.name}" (known: ${Object.keys(MESSAGES).join(', ')})`);
  if (!isMessage(m)) fail(m, `${m.name} must be a message { ... }`);
  switch (m.name) {
    case 'constant_learning_rate': {
      const o = readFields(m, MESSAGES[m.name]);
      return wrapOptionError(m, () => constant({ value: o.learning_rate as number }));
    }
    case 'exponential_decay_learning_rate': {
      const o = readFields(m, MESSAGES[m.name]);
      return wrapOptionError(m, () =>
        exponentialDecayWithBurnin({
          learningRateBase: o.initial_learning_rate as number,
          learningRateDecaySteps: o.decay_steps as number,
          learningRateDecayFactor: o.decay_factor as number,
          burninLearningRate: o.burnin_learning_rate as number,
          burninSteps: o.burnin_steps as number,
          minLearningRate: o.min_learning_rate as number,
          staircase: o.staircase as boolean,
        }),
      );
    }
    case 'manual_step_learning_rate': {
      const o = readFields(m, MESSAGES[m.name], ['schedule']);
      const boundaries: number[] = [];
      const rates: number[] = [o.initial_learning_rate as number];
      for (const s of m.value.filter((f) => f.name === 'schedule')) {
        if (!isMessage(s)) fail(s, 'schedule must be a message { step: ... learning_rate: ... }');
        const e = readFields(s, {
          step: { kind: 'uint32', default: 0 },
          learning_rate: { kind: 'float', default: 0.002 },
        });
        boundaries.push(e.step as number);
        rates.push(e.learning_rate as number);
      }
      return wrapOptionError(m, () =>
        manualStepping({ boundaries, rates, warmup: o.warmup as boolean }),
      );
    }
    default: {
      const o = readFields(m, MESSAGES.cosine_decay_learning_rate);
      return wrapOptionError(m, () =>
        cosineDecayWithWarmup({
          learningRateBase: o.learning_rate_base as number,
          totalSteps: o.total_steps as number,
          warmupLearningRate: o.warmup_learning_rate as number,
          warmupSteps: o.warmup_steps as number,
          holdBaseRateSteps: o.hold_base_rate_steps as number,
        }),
      );
    }
  }
}

/** Throws for a second `name` among `fields` (a singular field given twice; protobuf refuses it). */
function once(fields: TextField[], name: string): void {
  const all = fields.filter((f) => f.name === name);
  if (all.length > 1)
    fail(
      all[1],
      `field "${name}" is given twice (first at line ${all[0].line}); it may appear once`,
    );
}

/** The singular field `name` of a message (throws when it is given twice). */
function child(fields: TextField[], name: string): TextField | undefined {
  once(fields, name);
  return fields.find((f) => f.name === name);
}

/** Finds `optimizer { <type> { learning_rate { ... } } }` anywhere in the tree. */
function findOptimizer(fields: TextField[]): TextField | undefined {
  for (const f of fields) {
    if (!isMessage(f)) continue;
    if (
      f.name === 'optimizer' &&
      f.value.some((g) => (OPTIMIZERS as readonly string[]).includes(g.name))
    ) {
      once(fields, 'optimizer');
      return f;
    }
    const inner = findOptimizer(f.value);
    if (inner) return inner;
  }
  return undefined;
}

function optimizerParts(opt: TextField): {
  type: string;
  body: TextField & { value: TextField[] };
} {
  const types = (opt.value as TextField[]).filter((g) =>
    (OPTIMIZERS as readonly string[]).includes(g.name),
  );
  if (types.length !== 1) {
    throw new ScheduleParseError(
      `optimizer must contain exactly one of ${OPTIMIZERS.join(', ')}`,
      opt.line,
      opt.column,
      'optimizer',
    );
  }
  const body = types[0];
  if (!isMessage(body)) fail(body, `${body.name} must be a message { ... }`);
  return { type: body.name, body };
}

function learningRateField(fields: TextField[]): TextField {
  const opt = findOptimizer(fields);
  if (opt) {
    const { body } = optimizerParts(opt);
    const lr = child(body.value, 'learning_rate');
    if (!lr)
      throw new ScheduleParseError(
        `${body.name} has no learning_rate { ... }`,
        body.line,
        body.column,
        body.name,
      );
    return lr;
  }
  const lr = child(fields, 'learning_rate');
  if (lr) return lr;
  // A bare `exponential_decay_learning_rate { ... }` (the inside of a learning_rate block).
  const bare = fields.find((f) => f.name in MESSAGES);
  if (bare) return { name: 'learning_rate', line: bare.line, column: bare.column, value: [bare] };
  throw new ScheduleParseError(
    'no learning_rate { ... } block and no optimizer { ... learning_rate { ... } } found',
    1,
    1,
  );
}

/**
 * Parses the `learning_rate { ... }` block of a TF Object Detection API `pipeline.config`
 * (protobuf text format) into a schedule. Accepts the block itself, its inside
 * (`cosine_decay_learning_rate { ... }`), or a whole `pipeline.config` (the block inside
 * `optimizer { <type> { learning_rate { ... } } }` is used). Missing fields take the defaults
 * of `object_detection/protos/optimizer.proto`; numbers are kept as written (TF reads them as
 * float32). Returns `constant`, `tfod.exponentialDecayWithBurnin`, `tfod.manualStepping` or
 * `tfod.cosineDecayWithWarmup` schedules.
 *
 * @throws {ScheduleParseError} with the line, column and field of a syntax error, an unknown or
 *   mistyped field, or an option the schedule rejects.
 * @example
 * parseLearningRateConfig(`learning_rate { cosine_decay_learning_rate {
 *   learning_rate_base: 0.04 total_steps: 25000 warmup_learning_rate: 0.013333 warmup_steps: 2000 } }`)
 */
export function parseLearningRateConfig(text: string): Schedule {
  if (typeof text !== 'string')
    throw new ScheduleOptionError('parseLearningRateConfig', 'text', text, 'a string');
  return fromLearningRateMessage(learningRateField(parseTextProto(text)));
}

/** What {@link parsePipelineConfig} reads from a `pipeline.config`. */
export interface PipelineConfig {
  /** The optimizer's learning-rate schedule. */
  learningRate: Schedule;
  /** `train_config.batch_size` (proto default 32 when `train_config` exists). */
  batchSize?: number;
  /** `train_config.num_steps` (proto default 0 = unlimited when `train_config` exists). */
  numSteps?: number;
  /** The optimizer type: `'momentum_optimizer'`, `'rms_prop_optimizer'` or `'adam_optimizer'`. */
  optimizer?: string;
  /** `momentum_optimizer_value` of momentum / RMSProp optimizers (proto default 0.9). */
  momentum?: number;
}

/**
 * Parses a whole TF OD API `pipeline.config`: the optimizer's learning-rate schedule (see
 * {@link parseLearningRateConfig}) and `train_config`'s `batch_size`, `num_steps`, optimizer
 * type and `momentum_optimizer_value`, with proto defaults for missing fields. A singular
 * field given twice (`train_config`, `batch_size`, `num_steps`, `optimizer`, `learning_rate`,
 * `momentum_optimizer_value`) throws a {@link ScheduleParseError} at the second one, as
 * protobuf's text-format parser does.
 */
export function parsePipelineConfig(text: string): PipelineConfig {
  if (typeof text !== 'string')
    throw new ScheduleOptionError('parsePipelineConfig', 'text', text, 'a string');
  const fields = parseTextProto(text);
  const out: PipelineConfig = { learningRate: fromLearningRateMessage(learningRateField(fields)) };
  const train = child(fields, 'train_config');
  if (train && isMessage(train)) {
    out.batchSize = 32;
    out.numSteps = 0;
    once(train.value, 'batch_size');
    once(train.value, 'num_steps');
    once(train.value, 'optimizer');
    for (const f of train.value) {
      if (f.name === 'batch_size') out.batchSize = scalarValue(f, 'uint32') as number;
      if (f.name === 'num_steps') out.numSteps = scalarValue(f, 'uint32') as number;
    }
  }
  const opt = findOptimizer(fields);
  if (opt) {
    const { type, body } = optimizerParts(opt);
    out.optimizer = type;
    if (type !== 'adam_optimizer') {
      const m = child(body.value, 'momentum_optimizer_value');
      out.momentum = m ? (scalarValue(m, 'float') as number) : 0.9;
    }
  }
  return out;
}

function fmt(x: number | boolean): string {
  return typeof x === 'boolean' ? String(x) : String(x);
}

function block(name: string, entries: [string, number | boolean][], inner = ''): string {
  const lines = entries.map(([k, v]) => `    ${k}: ${fmt(v)}`);
  return `learning_rate {\n  ${name} {\n${lines.join('\n')}${inner}\n  }\n}\n`;
}

/**
 * Prints a schedule as a TF OD API `learning_rate { ... }` block (every field explicit).
 * Supports `constant`, `tfod.exponentialDecayWithBurnin`, `tfod.manualStepping` and
 * `tfod.cosineDecayWithWarmup` (the schedules `optimizer.proto` can express); anything
 * else throws a {@link ScheduleOptionError}. `parseLearningRateConfig(printLearningRateConfig(s))`
 * evaluates like `s`.
 */
export function printLearningRateConfig(schedule: Schedule): string {
  const spec = schedule?.spec;
  const o = (spec?.options ?? {}) as Record<string, never>;
  switch (spec?.type) {
    case 'constant':
      return block('constant_learning_rate', [['learning_rate', o.value]]);
    case 'tfod.exponentialDecayWithBurnin':
      if (!Number.isInteger(o.learningRateDecaySteps)) break;
      return block('exponential_decay_learning_rate', [
        ['initial_learning_rate', o.learningRateBase],
        ['decay_steps', o.learningRateDecaySteps],
        ['decay_factor', o.learningRateDecayFactor],
        ['staircase', o.staircase],
        ['burnin_learning_rate', o.burninLearningRate],
        ['burnin_steps', o.burninSteps],
        ['min_learning_rate', o.minLearningRate],
      ]);
    case 'tfod.manualStepping': {
      const boundaries = o.boundaries as number[];
      const rates = o.rates as number[];
      const sched = boundaries
        .map(
          (b, i) =>
            `\n    schedule {\n      step: ${b}\n      learning_rate: ${fmt(rates[i + 1])}\n    }`,
        )
        .join('');
      return block(
        'manual_step_learning_rate',
        [
          ['initial_learning_rate', rates[0]],
          ['warmup', o.warmup],
        ],
        sched,
      );
    }
    case 'tfod.cosineDecayWithWarmup':
      return block('cosine_decay_learning_rate', [
        ['learning_rate_base', o.learningRateBase],
        ['total_steps', o.totalSteps],
        ['warmup_learning_rate', o.warmupLearningRate],
        ['warmup_steps', o.warmupSteps],
        ['hold_base_rate_steps', o.holdBaseRateSteps],
      ]);
  }
  throw new ScheduleOptionError(
    'printLearningRateConfig',
    'schedule',
    spec?.type ?? schedule,
    'a constant, tfod.exponentialDecayWithBurnin (integer decay steps), tfod.manualStepping or tfod.cosineDecayWithWarmup schedule',
  );
}
