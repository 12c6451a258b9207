import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { intFlag, parseArgs, UsageError } from '../args.js';
import { ConfigError, MAX_THREADS, resolveConfig } from '../config.js';
import { OutputFileError } from '../io/errors.js';
import { makeDir, readRunJson, writeJsonAtomic } from '../run/fs.js';
import { acquireLock } from '../run/lock.js';
import {
  type Axis,
  buildGrid,
  parseScheduleFlag,
  parseSetFlag,
  SCHEDULE_FLAGS,
} from '../sweep/grid.js';
import { type CellTask, runPool } from '../sweep/pool.js';
import { type RunStatus, recordOf, type SweepRun } from '../sweep/record.js';
import { sweepTables, textTable, writeSweepReport } from '../sweep/report.js';
import { finishedSummary } from '../sweep/results.js';
import { usageOf } from './table.js';

/** `burnin sweep --help` (from the command table). */
export const SWEEP_USAGE = usageOf('sweep');

const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** The `--set` values of `argv` and the other arguments (`--set` may be repeated). */
function takeSets(argv: readonly string[]): { sets: string[]; rest: string[] } {
  const sets: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--set') {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--'))
        throw new UsageError(`--set needs KEY=a,b,c${v === undefined ? '' : `, got option ${v}`}`);
      sets.push(v);
      i++;
    } else if (a.startsWith('--set=')) sets.push(a.slice(6));
    else rest.push(a);
  }
  return { sets, rest };
}

/** What makes two sweeps the same: a second sweep on an --out must repeat it exactly. */
interface SweepSettings {
  preset: string;
  config: string | null;
  steps: number;
  seeds: number;
  evalEvery: number;
  threads: number;
  backend: string;
  axes: { flag: string; values: string[] }[];
}

function differences(a: SweepSettings, b: SweepSettings): string[] {
  return (Object.keys(a) as (keyof SweepSettings)[]).filter(
    (k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]),
  );
}

/** Exit code of a sweep stopped by a signal: 128 + its number. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * `burnin sweep`: a grid over schedule (and other `train.*`) parameters x seeds, each cell a
 * `burnin train` in a child process, `--jobs` at once. Finished cells (summary.json
 * `completed` or `diverged`) are never trained again; interrupted ones resume from their
 * checkpoint. Writes sweep.json and sweep.html into --out after every cell.
 */
export async function runSweepCommand(argv: string[]): Promise<number> {
  const { sets, rest } = takeSets(argv);
  const { flags } = parseArgs(rest, {
    strings: [
      'preset',
      'config',
      'steps',
      'seeds',
      'peak-lr',
      'burnin-steps',
      'burnin-lr',
      'eval-every',
      'out',
      'jobs',
      'threads',
      'backend',
    ],
    maxPositionals: 0,
  });
  const axes: Axis[] = [];
  for (const [flag, option] of Object.entries(SCHEDULE_FLAGS)) {
    const raw = flags[flag];
    if (raw === undefined) continue;
    axes.push({
      flag: `--${flag}`,
      path: `train.schedule.options.${option}`,
      name: option,
      values: parseScheduleFlag(flag as keyof typeof SCHEDULE_FLAGS, String(raw)),
    });
  }
  for (const s of sets) axes.push(parseSetFlag(s));
  if (axes.length === 0)
    throw new UsageError(
      'sweep needs at least one swept parameter (--peak-lr, --burnin-steps, --burnin-lr or --set KEY=a,b)',
      { showUsage: true },
    );
  const backend = (flags.backend as string | undefined) ?? 'auto';
  if (!BACKENDS.includes(backend))
    throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got ${backend}`);
  const threads = intFlag(flags.threads, 'threads', 1);
  if (threads > MAX_THREADS)
    throw new UsageError(`--threads must be an integer 1..${MAX_THREADS}, got ${threads}`);
  const jobs = intFlag(
    flags.jobs,
    'jobs',
    Math.max(1, Math.floor(availableParallelism() / threads)),
  );
  const preset = (flags.preset as string | undefined) ?? 'demo';
  const configFile = flags.config as string | undefined;
  const base = resolveConfig({ preset, configFile });
  const steps = intFlag(flags.steps, 'steps', base.train.steps);
  const seeds = intFlag(flags.seeds, 'seeds', 3);
  const evalEvery = intFlag(flags['eval-every'], 'eval-every', Math.max(1, Math.round(steps / 10)));
  const grid = buildGrid({ base, steps, seeds, evalEvery, threads, axes });
  const outDir = (flags.out as string | undefined) ?? join('runs', 'sweep');
  const settings: SweepSettings = {
    preset,
    config: configFile ? readFileSync(configFile, 'utf8') : null,
    steps,
    seeds,
    evalEvery,
    threads,
    backend,
    axes: axes.map((a) => ({ flag: a.flag, values: a.values.map((v) => v.label) })),
  };
  const settingsFile = join(outDir, 'sweep.settings.json');
  if (existsSync(settingsFile)) {
    const prev = readRunJson(settingsFile, 'pass a fresh --out') as SweepSettings;
    const diff = differences(settings, prev);
    if (diff.length)
      throw new ConfigError(
        `${outDir} holds a sweep with other settings (${diff.join(', ')} differ); repeat its flags to continue it, or pass a fresh --out`,
        'out',
      );
  }
  try {
    makeDir(join(outDir, 'configs'));
    makeDir(join(outDir, 'cells'));
  } catch (e) {
    throw new OutputFileError(outDir, (e as Error).message);
  }
  const log = (l: string) => console.log(l);
  const lock = acquireLock(outDir, log);
  try {
    if (!existsSync(settingsFile)) writeJsonAtomic(settingsFile, settings);
    const state = new Map<string, SweepRun>();
    const tasks: CellTask[] = [];
    for (const cell of grid.cells) {
      const dir = join(outDir, 'cells', cell.id);
      const done = finishedSummary(dir);
      if (done) {
        state.set(cell.id, recordOf(cell, dir, done.status as RunStatus));
        continue;
      }
      state.set(cell.id, recordOf(cell, dir, 'pending'));
      const configPath = join(outDir, 'configs', `${cell.id}.json`);
      writeJsonAtomic(configPath, cell.config);
      makeDir(dir);
      tasks.push({
        id: cell.id,
        logFile: join(dir, 'train.log'),
        args: [
          '--config',
          resolve(configPath),
          '--out',
          resolve(dir),
          '--backend',
          backend,
          '--threads',
          String(threads),
          ...(existsSync(join(dir, 'config.resolved.json')) ? ['--resume'] : []),
        ],
      });
    }
    const total = grid.cells.length;
    log(
      `sweep: ${total} cells (${axes.map((a) => `${a.flag} ${a.values.length}`).join(' x ')} x ${seeds} seeds, deduplicated), ${total - tasks.length} already finished; ${tasks.length} to run${tasks.length ? `, ${Math.min(jobs, tasks.length)} at a time` : ''} (${threads} thread${threads === 1 ? '' : 's'} each, backend ${backend}) -> ${outDir}`,
    );
    const write = () =>
      writeSweepReport(outDir, {
        settings,
        axes: grid.axes,
        runs: grid.cells.map((c) => state.get(c.id) as SweepRun),
      });
    write();
    const controller = new AbortController();
    let stopCode = 0;
    const onSignal = (sig: keyof typeof SIGNAL_EXIT) => {
      if (controller.signal.aborted) process.exit(stopCode);
      stopCode = SIGNAL_EXIT[sig];
      log(
        `\n${sig}: stopping the running cells (they save a checkpoint; send it again to quit at once)`,
      );
      controller.abort();
    };
    const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map(
      (sig) => [sig, () => onSignal(sig)] as const,
    );
    for (const [sig, h] of handlers) process.on(sig, h);
    let failed = 0;
    let finished = total - tasks.length;
    try {
      await runPool(tasks, {
        jobs,
        signal: controller.signal,
        onStart: (t, pid) => log(`sweep: start ${t.id} (pid ${pid})`),
        onExit: (t, exit) => {
          const cell = grid.cells.find((c) => c.id === t.id);
          if (!cell) return;
          const dir = join(outDir, 'cells', cell.id);
          let status: RunStatus;
          let message: string | undefined;
          const done = (() => {
            try {
              return finishedSummary(dir);
            } catch {
              return null;
            }
          })();
          if (done && (exit.code === 0 || exit.code === 3)) status = done.status as RunStatus;
          else if (exit.code === 129 || exit.code === 130 || exit.code === 143 || exit.signal)
            status = 'interrupted';
          else {
            status = 'failed';
            failed++;
            message = lastLine(t.logFile);
          }
          if (status === 'completed' || status === 'diverged') finished++;
          const rec = recordOf(cell, dir, status, message);
          state.set(cell.id, rec);
          const ap = rec.finalAP === null ? '-' : rec.finalAP.toFixed(3);
          log(
            `sweep: ${status} ${cell.id}: final AP ${ap}${status === 'failed' ? ` (${message}; see ${t.logFile})` : ''} [${finished}/${total} finished]`,
          );
          write();
        },
      });
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
    const analysis = write();
    const t = sweepTables(analysis);
    log(`\n${textTable(t.ap)}`);
    if (t.paired.length > 1) log(`\n${textTable(t.paired)}`);
    log(
      `wrote ${join(outDir, 'sweep.json')}, ${join(outDir, 'sweep.html')} and ${join(outDir, 'plots')}/`,
    );
    if (stopCode) {
      log(
        `sweep stopped: ${finished}/${total} cells finished; run the same command again to continue`,
      );
      return stopCode;
    }
    return failed ? 1 : 0;
  } finally {
    lock.release();
  }
}

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1]?.slice(0, 300) ?? '';
  } catch {
    return '';
  }
}
