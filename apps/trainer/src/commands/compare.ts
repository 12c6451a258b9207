import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constant, exponential, optax, type Schedule, toJSON, torch } from '@burnin/schedules';
import { intFlag, parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import {
  ConfigError,
  defaultSchedule,
  resolveConfig,
  runThreads,
  type TrainConfig,
  validateConfig,
} from '../config.js';
import { OutputFileError } from '../io/errors.js';
import { lineChart } from '../report/svg.js';
import { relaunchForGc } from '../run/gc-mode.js';
import { type RunScores, runScores } from '../sweep/results.js';
import { readMetrics, train } from '../train/train.js';
import { usageOf } from './table.js';

/** `burnin compare --help` (from the command table). */
export const COMPARE_USAGE = usageOf('compare');

const PEAK = 4e-3;

/** Built-in schedules for comparison, each scaled to `steps` with the same peak rate. */
export function scheduleFactories(): Record<string, (steps: number) => Schedule> {
  return {
    constant: () => constant({ value: PEAK }),
    exponential: (n) =>
      exponential({
        from: PEAK,
        rate: 0.5,
        steps: Math.max(1, Math.round(n / 4)),
        staircase: true,
      }),
    burnin: (n) => defaultSchedule(n) as Schedule,
    cosine: (n) =>
      optax.warmupCosineDecaySchedule({
        initValue: PEAK / 10,
        peakValue: PEAK,
        warmupSteps: Math.max(1, Math.round(n * 0.05)),
        decaySteps: n,
        endValue: PEAK / 40,
      }),
    onecycle: (n) => torch.oneCycleLR({ maxLr: PEAK, totalSteps: n + 1 }),
  };
}

/** One run of the comparison: its scores ({@link RunScores}) with schedule, seed and status. */
export interface CompareRun extends RunScores {
  schedule: string;
  seed: number;
  status: string;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const v = xs.filter(Number.isFinite);
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length - 1));
  return { mean, std };
}

/**
 * The schedule names of `--schedules` (comma-separated, or `all`). Throws {@link UsageError}
 * when the flag is absent (a comparison trains names x seeds runs: never start one by
 * default), empty, or names an unknown or repeated schedule.
 */
export function scheduleNames(
  flag: string | boolean | undefined,
  allowed: readonly string[],
): string[] {
  if (flag === undefined)
    throw new UsageError('compare needs --schedules (e.g. --schedules constant,burnin or all)', {
      showUsage: true,
    });
  const raw = String(flag).trim();
  if (raw === 'all') return [...allowed];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UsageError(
      `--schedules needs at least one schedule name (allowed: ${allowed.join(', ')}, or all)`,
    );
  for (const [i, n] of names.entries()) {
    if (!allowed.includes(n))
      throw new UsageError(
        `--schedules: unknown schedule '${n}' (allowed: ${allowed.join(', ')}, or all)`,
      );
    if (names.indexOf(n) !== i) throw new UsageError(`--schedules: '${n}' is listed twice`);
  }
  return names;
}

/** `burnin compare`: same model and data, one training per schedule and seed. */
export async function runCompareCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    strings: ['schedules', 'steps', 'seeds', 'preset', 'out', 'backend'],
    maxPositionals: 0,
  });
  const factories = scheduleFactories();
  const names = scheduleNames(flags.schedules, Object.keys(factories));
  const seeds = intFlag(flags.seeds, 'seeds', 3);
  const base = resolveConfig({ preset: (flags.preset as string | undefined) ?? 'compare' });
  const steps = intFlag(flags.steps, 'steps', base.train.steps);
  const outDir = (flags.out as string | undefined) ?? join('runs', 'compare');
  // every core busy with a training thread: run again with V8's GC on those threads (gc-mode.ts)
  const relaunched = await relaunchForGc(runThreads(base));
  if (relaunched !== null) return relaunched;
  await selectBackend(flags.backend as string | undefined, (l) => console.log(l));
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new OutputFileError(outDir, (e as Error).message);
  }
  const runs: CompareRun[] = [];
  for (const name of names) {
    for (let seed = 0; seed < seeds; seed++) {
      const sched = factories[name](steps);
      const cfg: TrainConfig = validateConfig({
        ...base,
        seed,
        train: {
          ...base.train,
          steps,
          evalEvery: Math.max(1, Math.round(steps / 10)),
          schedule: toJSON(sched),
        },
      });
      const dir = join(outDir, `${name}-seed${seed}`);
      console.log(`compare: ${name} seed ${seed} (${steps} steps) -> ${dir}`);
      // a run folder from an earlier compare is continued (a finished run is not trained again,
      // an interrupted one resumes); one of another configuration is refused
      const resume = existsSync(join(dir, 'config.resolved.json'));
      const r = await train({ config: cfg, outDir: dir, log: () => {}, resume }).catch((e) => {
        if (resume && e instanceof ConfigError && /configuration differs/.test(e.message))
          throw new ConfigError(
            `${dir} holds a run of another configuration (an earlier compare with other --steps, --preset or schedule); pass a fresh --out`,
            'out',
          );
        throw e;
      });
      runs.push({ schedule: name, seed, status: r.status, ...runScores(dir) });
    }
  }
  const rows = names.map((name) => {
    const rs = runs.filter((r) => r.schedule === name);
    const f = (k: 'finalAP' | 'finalAP50' | 'bestAP' | 'bestAP50') => meanStd(rs.map((r) => r[k]));
    const reached = rs.filter((r) => r.stepsToAP50 !== null).map((r) => r.stepsToAP50 as number);
    return {
      schedule: name,
      finalAP: f('finalAP'),
      finalAP50: f('finalAP50'),
      bestAP: f('bestAP'),
      bestAP50: f('bestAP50'),
      stepsToAP50: reached.length ? meanStd(reached) : null,
      reachedAP50: `${reached.length}/${rs.length}`,
      divergences: rs.filter((r) => r.status === 'diverged').length,
    };
  });
  const pm = (v: { mean: number; std: number }) => `${v.mean.toFixed(3)} ± ${v.std.toFixed(3)}`;
  const head = [
    'schedule',
    'final AP',
    'final AP50',
    'best AP',
    'best AP50',
    'steps to AP50=.5',
    'diverged',
  ];
  const table = [
    head,
    ...rows.map((r) => [
      r.schedule,
      pm(r.finalAP),
      pm(r.finalAP50),
      pm(r.bestAP),
      pm(r.bestAP50),
      r.stepsToAP50
        ? `${r.stepsToAP50.mean.toFixed(0)} (${r.reachedAP50})`
        : `- (${r.reachedAP50})`,
      String(r.divergences),
    ]),
  ];
  const w = head.map((_, i) => Math.max(...table.map((t) => t[i].length)));
  const text = table.map((t) => t.map((c, i) => c.padEnd(w[i])).join('  ')).join('\n');
  console.log(`\n${steps} steps, ${seeds} seed(s) each (mean ± sample std)\n${text}`);
  writeFileSync(
    join(outDir, 'compare.json'),
    `${JSON.stringify({ steps, seeds, rows, runs }, null, 2)}\n`,
  );
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
  const lr = lineChart(
    names.map((n, i) => {
      const s = factories[n](steps);
      return {
        name: n,
        color: colors[i % 5],
        points: Array.from({ length: steps }, (_, k) => [k, s(k)] as [number, number]),
      };
    }),
    { title: 'Learning rate', xLabel: 'step' },
  );
  const ap = lineChart(
    names.map((n, i) => {
      const m = readMetrics(join(outDir, `${n}-seed0`, 'metrics.jsonl')).filter(
        (e) => e.type === 'eval',
      );
      return {
        name: `${n} (seed 0)`,
        color: colors[i % 5],
        points: m.map((e) => [e.step as number, (e.stats as number[])[1]] as [number, number]),
      };
    }),
    { title: 'Validation AP50', xLabel: 'step' },
  );
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>burnin compare</title>
<style>body{font-family:sans-serif;margin:24px}pre{background:#f6f6f6;padding:8px}</style></head><body>
<h1>Schedule comparison</h1><p>${steps} steps, ${seeds} seed(s) per schedule.</p><pre>${text.replace(/</g, '&lt;')}</pre>${lr}${ap}</body></html>\n`;
  writeFileSync(join(outDir, 'compare.html'), html);
  console.log(`wrote ${join(outDir, 'compare.json')} and ${join(outDir, 'compare.html')}`);
  return 0;
}
