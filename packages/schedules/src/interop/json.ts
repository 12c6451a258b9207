import { clamp, join, scale, warmup } from '../core/combinators.js';
import {
  constant,
  cosine,
  exponential,
  linear,
  piecewiseConstant,
  piecewiseInterpolate,
  polynomial,
} from '../core/primitives.js';
import { isSchedule, type Schedule, type ScheduleSpec } from '../core/schedule.js';
import { ScheduleOptionError, ScheduleSerializationError } from '../errors.js';
import * as darknet from '../ports/darknet.js';
import * as keras from '../ports/keras.js';
import { UNREGISTERED } from '../ports/lambdas.js';
import * as optax from '../ports/optax.js';
import * as tfod from '../ports/tfod.js';
import * as torch from '../ports/torch.js';
import * as ultralytics from '../ports/ultralytics.js';

type Factory = (options: Record<string, unknown>) => Schedule;
// biome-ignore lint/suspicious/noExplicitAny: factories take their own typed option objects
type AnyFactory = (options: any) => Schedule;

interface Entry {
  factory: Factory;
  /** Option keys holding one nested spec. */
  one?: string[];
  /** Option keys holding an array of nested specs. */
  many?: string[];
}

let registryCache: Map<string, Entry> | undefined;

/**
 * The schedule types {@link fromJSON} knows, built on first use. Nothing runs at module load,
 * so a bundle that imports one schedule (and not `fromJSON`/`scheduleTypes`) drops this
 * function and, with it, every factory it references.
 */
function registry(): Map<string, Entry> {
  if (registryCache) return registryCache;
  const r = new Map<string, Entry>();
  const plain = (fn: AnyFactory): Entry => ({ factory: fn });
  /**
   * Registers `names` of a port's namespace as `prefix.name`, in this order. The list is
   * explicit: a helper a port exports never becomes a type (`keyof` catches a typo).
   */
  const port = <NS extends object>(
    prefix: string,
    ns: NS,
    names: readonly (keyof NS & string)[],
    many: Partial<Record<keyof NS & string, string[]>> = {},
  ): void => {
    for (const name of names) {
      r.set(`${prefix}.${name}`, { factory: ns[name] as AnyFactory, many: many[name] });
    }
  };
  r.set('constant', plain(constant));
  r.set('linear', plain(linear));
  r.set('polynomial', plain(polynomial));
  r.set('exponential', plain(exponential));
  r.set('cosine', plain(cosine));
  r.set('piecewiseConstant', plain(piecewiseConstant));
  r.set('piecewiseInterpolate', plain(piecewiseInterpolate));
  r.set('join', {
    factory: (o) => join(o.schedules as Schedule[], o.boundaries as number[]),
    many: ['schedules'],
  });
  r.set('warmup', {
    factory: ({ schedule, ...rest }) => warmup(schedule as Schedule, rest as never),
    one: ['schedule'],
  });
  r.set('scale', {
    factory: (o) => scale(o.schedule as Schedule, o.factor as number),
    one: ['schedule'],
  });
  r.set('clamp', {
    factory: ({ schedule, ...rest }) => clamp(schedule as Schedule, rest as never),
    one: ['schedule'],
  });
  port('tfod', tfod, [
    'cosineDecayWithWarmup',
    'exponentialDecayWithBurnin',
    'exponentialDecayWithWarmup',
    'manualStepping',
  ]);
  port('keras', keras, [
    'cosineDecay',
    'cosineDecayRestarts',
    'exponentialDecay',
    'inverseTimeDecay',
    'piecewiseConstantDecay',
    'polynomialDecay',
  ]);
  port(
    'torch',
    torch,
    [
      'chainedScheduler',
      'constantLR',
      'cosineAnnealingLR',
      'cosineAnnealingWarmRestarts',
      'cyclicLR',
      'cyclicLRMomentum',
      'exponentialLR',
      'lambdaLR',
      'linearLR',
      'multiStepLR',
      'multiplicativeLR',
      'oneCycleLR',
      'oneCycleLRMomentum',
      'polynomialLR',
      'reduceLROnPlateau',
      'sequentialLR',
      'stepLR',
      'swaLR',
    ],
    { sequentialLR: ['schedulers'], chainedScheduler: ['schedulers'] },
  );
  port(
    'optax',
    optax,
    [
      'constantSchedule',
      'cosineDecaySchedule',
      'cosineOnecycleSchedule',
      'exponentialDecay',
      'joinSchedules',
      'linearOnecycleSchedule',
      'linearSchedule',
      'piecewiseConstantSchedule',
      'piecewiseInterpolateSchedule',
      'polynomialSchedule',
      'sgdrSchedule',
      'warmupConstantSchedule',
      'warmupCosineDecaySchedule',
      'warmupExponentialDecaySchedule',
    ],
    { joinSchedules: ['schedules'] },
  );
  port('darknet', darknet, ['schedule']);
  port('ultralytics', ultralytics, ['momentum', 'schedule']);
  registryCache = r;
  return r;
}

/**
 * The JSON description of a schedule (a deep copy of `schedule.spec`), suitable for
 * `JSON.stringify` and {@link fromJSON}.
 */
export function toJSON(schedule: Schedule): ScheduleSpec {
  if (!isSchedule(schedule)) {
    throw new ScheduleOptionError(
      'toJSON',
      'schedule',
      schedule,
      'a schedule of @burnin/schedules',
    );
  }
  checkSerializable(schedule.spec, '');
  return JSON.parse(JSON.stringify(schedule.spec)) as ScheduleSpec;
}

function isSpecLike(v: unknown): v is ScheduleSpec {
  return isPlainObject(v) && typeof v.type === 'string' && isPlainObject(v.options);
}

/** Throws a ScheduleSerializationError for the first unregistered function in `spec`. */
function checkSerializable(spec: ScheduleSpec, path: string): void {
  for (const [k, v] of Object.entries(spec.options)) {
    const at = `${path}options.${k}`;
    if (v === UNREGISTERED) throw new ScheduleSerializationError(spec.type, at);
    if (isSpecLike(v)) checkSerializable(v, `${at}.`);
    else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        if (isSpecLike(x)) checkSerializable(x, `${at}[${i}].`);
      });
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Most schedules nested inside each other that {@link fromJSON} accepts (the outermost counts). */
export const MAX_SPEC_DEPTH = 64;

/** `path` shortened to its first and last segments, for messages about very deep specs. */
function shortPath(path: string): string {
  if (path.length <= 120) return path;
  return `${path.slice(0, 50)}...${path.slice(-60)}`;
}

function build(spec: unknown, path: string, depth: number): Schedule {
  if (depth > MAX_SPEC_DEPTH)
    throw new ScheduleOptionError(
      'fromJSON',
      shortPath(path),
      '(a nested spec)',
      `nested at most ${MAX_SPEC_DEPTH} schedules deep (this one is nested deeper)`,
    );
  if (!isPlainObject(spec))
    throw new ScheduleOptionError(
      'fromJSON',
      path,
      spec,
      'a schedule spec object { type, options }',
    );
  for (const k of Object.keys(spec)) {
    if (k !== 'type' && k !== 'options') {
      throw new ScheduleOptionError(
        'fromJSON',
        `${path}.${k}`,
        spec[k],
        'absent (a spec has only "type" and "options")',
      );
    }
  }
  const entry = typeof spec.type === 'string' ? registry().get(spec.type) : undefined;
  if (!entry) {
    throw new ScheduleOptionError(
      'fromJSON',
      `${path}.type`,
      spec.type,
      `one of the known schedule types (${[...registry().keys()].join(', ')})`,
    );
  }
  const options = spec.options ?? {};
  if (!isPlainObject(options))
    throw new ScheduleOptionError('fromJSON', `${path}.options`, options, 'an options object');
  const resolved: Record<string, unknown> = { ...options };
  for (const k of entry.one ?? []) {
    if (k in resolved) resolved[k] = build(resolved[k], `${path}.options.${k}`, depth + 1);
  }
  for (const k of entry.many ?? []) {
    const list = resolved[k];
    if (!Array.isArray(list))
      throw new ScheduleOptionError(
        'fromJSON',
        `${path}.options.${k}`,
        list,
        'an array of schedule specs',
      );
    resolved[k] = list.map((s, i) => build(s, `${path}.options.${k}[${i}]`, depth + 1));
  }
  return entry.factory(resolved);
}

/**
 * Rebuilds a schedule from its JSON description (as produced by {@link toJSON} or
 * `JSON.parse(JSON.stringify(schedule.spec))`). Every option is validated again; unknown
 * types, unknown options and invalid values throw a {@link ScheduleOptionError} whose
 * `option` is the path of the offending field. Specs nested more than
 * {@link MAX_SPEC_DEPTH} (64) schedules deep are refused the same way (before any recursion
 * could overflow the stack).
 */
export function fromJSON(spec: unknown): Schedule {
  return build(spec, 'spec', 1);
}

/** Names of every schedule type {@link fromJSON} knows. */
export function scheduleTypes(): string[] {
  return [...registry().keys()];
}
