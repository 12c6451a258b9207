import { toJSON } from '@burnin/schedules';
import { UsageError } from '../args.js';
import {
  buildSchedule,
  ConfigError,
  defaultSchedule,
  mergeConfig,
  type TrainConfig,
  validateConfig,
} from '../config.js';

/** The schedule type the `--peak-lr` / `--burnin-*` flags set options of. */
export const BURNIN_TYPE = 'tfod.exponentialDecayWithBurnin';

/** One value of a grid axis: its label as written and the value it puts into the config. */
export interface AxisValue {
  /** As written on the command line (`4e-3`, `0.1x`, `adam`). */
  label: string;
  /** A number, boolean or string; `relative` values are multiplied by the cell's peak rate. */
  value: number | boolean | string;
  /** `--burnin-lr 0.1x`: `value` is a factor of `learningRateBase`. */
  relative?: boolean;
}

/** One swept parameter. */
export interface Axis {
  /** The flag that set it, as shown in errors: `--peak-lr`, `--set train.optimizer`. */
  flag: string;
  /** Config path it sets, e.g. `train.schedule.options.learningRateBase`. */
  path: string;
  /** Short name used in cell folder names and tables (the last path segment). */
  name: string;
  values: AxisValue[];
}

/** One point of the grid (one training run). */
export interface Cell {
  /** Folder name under `<out>/cells/`, unique in the grid. */
  id: string;
  seed: number;
  /** Label of each axis' value at this cell, by axis name ('-' where it has no effect). */
  labels: Record<string, string>;
  /** The values the cell put into its config, by axis name. */
  params: Record<string, number | boolean | string>;
  config: TrainConfig;
}

/** A validated grid. */
export interface Grid {
  axes: Axis[];
  seeds: number;
  cells: Cell[];
}

/** The dedicated flags and the schedule option each sets. */
export const SCHEDULE_FLAGS = {
  'peak-lr': 'learningRateBase',
  'burnin-steps': 'burninSteps',
  'burnin-lr': 'burninLearningRate',
} as const;

/** Keys the sweep sets itself (through its own flags), refused in `--set`. */
const OWN_KEYS: Record<string, string> = {
  seed: '--seeds',
  'train.steps': '--steps',
  'train.threads': '--threads',
  'train.evalEvery': '--eval-every',
};

/** Splits a comma-separated list; refuses an empty list or an empty item, naming `flag`. */
export function splitList(raw: string, flag: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || items.length === 0)
    throw new UsageError(`${flag} needs a comma-separated list of values, got '${raw}'`);
  if (items.some((s) => s === ''))
    throw new UsageError(`${flag}: empty value in the list '${raw}'`);
  return items;
}

function parseNumber(s: string, flag: string): number {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : Number.NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag}: '${s}' is not a number`);
  return n;
}

/** A `--set` value: a number when it reads as one, `true`/`false`, else the string. */
function parseAny(s: string): number | boolean | string {
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  return s;
}

function refuseDuplicates(values: AxisValue[], flag: string): void {
  const seen = new Map<string, string>();
  for (const v of values) {
    const key = `${v.relative ? 'x' : ''}${typeof v.value}:${String(v.value)}`;
    const prev = seen.get(key);
    if (prev !== undefined)
      throw new UsageError(`${flag}: '${v.label}' repeats '${prev}' (each value once)`);
    seen.set(key, v.label);
  }
}

/** `--peak-lr`, `--burnin-steps`, `--burnin-lr` values (numbers; `Nx` for `--burnin-lr`). */
export function parseScheduleFlag(flag: keyof typeof SCHEDULE_FLAGS, raw: string): AxisValue[] {
  const shown = `--${flag}`;
  const values = splitList(raw, shown).map((label): AxisValue => {
    if (flag === 'burnin-lr' && /x$/i.test(label)) {
      const f = parseNumber(label.slice(0, -1), shown);
      if (!(f > 0))
        throw new UsageError(`${shown}: '${label}' must be a factor > 0 of --peak-lr (e.g. 0.1x)`);
      return { label, value: f, relative: true };
    }
    const n = parseNumber(label, shown);
    if (flag === 'peak-lr' && !(n > 0))
      throw new UsageError(`${shown}: '${label}' must be a learning rate > 0`);
    if (flag === 'burnin-steps' && !(Number.isInteger(n) && n >= 0))
      throw new UsageError(`${shown}: '${label}' must be an integer >= 0`);
    if (flag === 'burnin-lr' && !(n > 0))
      throw new UsageError(
        `${shown}: '${label}' must be a rate > 0 or a factor like 0.1x (0 would mean "use learningRateBase" in TF OD API)`,
      );
    return { label, value: n };
  });
  refuseDuplicates(values, shown);
  return values;
}

/** One `--set KEY=a,b,c` as an axis (KEY: `train.*`, `data.*` or `model.*`). */
export function parseSetFlag(raw: string): Axis {
  const eq = raw.indexOf('=');
  if (eq <= 0)
    throw new UsageError(
      `--set needs KEY=a,b,c (e.g. --set train.schedule.options.learningRateDecayFactor=0.5,0.8), got '${raw}'`,
    );
  const path = raw.slice(0, eq).trim();
  const flag = `--set ${path}`;
  if (!/^(train|data|model)(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path))
    throw new UsageError(
      `${flag}: KEY must be a dotted config key under train., data. or model. (e.g. train.schedule.options.burninSteps)`,
    );
  if (Object.hasOwn(OWN_KEYS, path))
    throw new UsageError(`${flag}: set it with ${OWN_KEYS[path]}, not --set`);
  if (path === 'train.schedule' || path === 'train.schedule.type')
    throw new UsageError(
      `${flag}: the schedule type is not swept; set its options (train.schedule.options.X)`,
    );
  const values = splitList(raw.slice(eq + 1), flag).map((label) => ({
    label,
    value: parseAny(label),
  }));
  refuseDuplicates(values, flag);
  return { flag, path, name: path.split('.').pop() as string, values };
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): unknown {
  const keys = path.split('.');
  const over: Record<string, unknown> = {};
  let at = over;
  for (const k of keys.slice(0, -1)) {
    at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = value;
  return mergeConfig(obj, over);
}

/** Inputs of {@link buildGrid}. */
export interface GridInput {
  /** The resolved base config (preset + config file). */
  base: TrainConfig;
  steps: number;
  seeds: number;
  evalEvery: number;
  threads: number;
  axes: Axis[];
}

function cartesian<T>(lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, l) => acc.flatMap((a) => l.map((x) => [...a, x])), [[]]);
}

function safe(label: string): string {
  return label.replace(/[^A-Za-z0-9.+-]/g, '_');
}

/**
 * Every cell of the grid (axes x seeds), each with its validated config: the real config
 * validators and the schedule's own option checks run on every cell, and a failure is a
 * {@link UsageError} naming the flags and values of the cell. The schedule starts from the
 * base config's `train.schedule` (a JSON spec) or the default burn-in schedule scaled to
 * `steps`. Cells are ordered seed by seed (every grid point of seed 0 first). Cells whose `burninSteps` is 0 ignore the burn-in rate: they are trained once
 * (the `burninLearningRate` label is '-').
 */
export function buildGrid(g: GridInput): Grid {
  const names = new Set<string>();
  for (const a of g.axes) {
    if (g.axes.filter((b) => b.path === a.path).length > 1)
      throw new UsageError(
        `${a.flag}: ${a.path} is swept twice (${g.axes
          .filter((b) => b.path === a.path)
          .map((b) => b.flag)
          .join(' and ')})`,
      );
    if (names.has(a.name))
      throw new UsageError(`${a.flag}: two swept keys end in '${a.name}'; sweep one of them`);
    names.add(a.name);
  }
  const baseSpec =
    g.base.train.schedule === undefined ? toJSON(defaultSchedule(g.steps)) : g.base.train.schedule;
  const usesBurninFlags = g.axes.some(
    (a) => a.flag === '--peak-lr' || a.flag.startsWith('--burnin'),
  );
  const scheduleAxis = g.axes.find((a) => a.path.startsWith('train.schedule.options.'));
  if (
    (usesBurninFlags || scheduleAxis) &&
    (typeof baseSpec !== 'object' || !('type' in baseSpec) || !('options' in baseSpec))
  )
    throw new UsageError(
      `${(usesBurninFlags ? g.axes.find((a) => a.flag === '--peak-lr' || a.flag.startsWith('--burnin')) : scheduleAxis)?.flag}: the base config's train.schedule is not a @burnin/schedules JSON spec ({ type, options }); remove it or write it as one`,
    );
  if (usesBurninFlags && (baseSpec as { type: string }).type !== BURNIN_TYPE) {
    const a = g.axes.find((x) => x.flag === '--peak-lr' || x.flag.startsWith('--burnin'));
    throw new UsageError(
      `${a?.flag}: sets ${BURNIN_TYPE} options, but the base schedule is ${(baseSpec as { type: string }).type}; use --set train.schedule.options.X for it`,
    );
  }
  const base = {
    ...g.base,
    train: {
      ...g.base.train,
      steps: g.steps,
      evalEvery: g.evalEvery,
      threads: g.threads,
      schedule: baseSpec,
    },
  } as Record<string, unknown>;
  const cells: Cell[] = [];
  const seen = new Set<string>();
  for (const combo of cartesian(g.axes.map((a) => a.values))) {
    for (let seed = 0; seed < g.seeds; seed++) {
      let cfg: unknown = { ...base, seed };
      const labels: Record<string, string> = {};
      const params: Record<string, number | boolean | string> = {};
      // absolute values first; relative ones (0.1x) scale the cell's peak rate
      combo.forEach((v, i) => {
        if (!v.relative) cfg = setPath(cfg as Record<string, unknown>, g.axes[i].path, v.value);
      });
      const opts = (cfg as { train: { schedule: { options: Record<string, unknown> } } }).train
        .schedule.options;
      combo.forEach((v, i) => {
        const a = g.axes[i];
        let value = v.value;
        if (v.relative) {
          const peak = Number(opts[SCHEDULE_FLAGS['peak-lr']]);
          value = Number((Number(v.value) * peak).toPrecision(12));
          cfg = setPath(cfg as Record<string, unknown>, a.path, value);
        }
        labels[a.name] = v.label;
        params[a.name] = value;
      });
      const cellOpts = (cfg as { train: { schedule: { options: Record<string, unknown> } } }).train
        .schedule.options;
      if (cellOpts.burninSteps === 0 && 'burninLearningRate' in labels) {
        // no burn-in: its rate has no effect; train the cell once
        labels.burninLearningRate = '-';
        delete params.burninLearningRate;
        cfg = setPath(
          cfg as Record<string, unknown>,
          'train.schedule.options.burninLearningRate',
          0,
        );
      }
      const where = g.axes.map((a) => `${a.flag} ${labels[a.name]}`).join(' ');
      let config: TrainConfig;
      try {
        config = validateConfig(cfg);
        buildSchedule(config);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const flags = g.axes.filter((a) => e.path && a.path.startsWith(e.path)).map((a) => a.flag);
        const named = flags.length ? flags.join(', ') : g.axes.map((a) => a.flag).join(', ');
        throw new UsageError(`${named}: the cell ${where || '(base)'} is invalid: ${e.message}`);
      }
      const id = [
        ...g.axes
          .filter((a) => labels[a.name] !== '-')
          .map((a) => `${a.name}-${safe(labels[a.name])}`),
        `seed${seed}`,
      ].join('_');
      if (seen.has(id)) continue;
      seen.add(id);
      cells.push({ id, seed, labels, params, config });
    }
  }
  // seed-major order: a sweep stopped early holds whole seeds of the grid
  cells.sort((a, b) => a.seed - b.seed);
  return { axes: g.axes, seeds: g.seeds, cells };
}
