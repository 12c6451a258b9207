import type { SweepRun } from './record.js';
import { bootstrapMeanCI, type MeanCI, mean, pairedDifferences, sampleStd } from './stats.js';

/** Resamples of every bootstrap interval of the analysis. */
export const BOOTSTRAP_RESAMPLES = 10_000;
/** Seed of the bootstrap's generator: the same runs give the same intervals. */
export const BOOTSTRAP_SEED = 1;

/** Aggregate of the seeds of one grid point. */
export interface PointStats {
  /** Label of the x value (the peak rate as given, e.g. `4e-3`). */
  x: string;
  xValue: number;
  /** Runs that ended (completed or diverged) / in the grid. */
  finished: number;
  total: number;
  diverged: number;
  /** Final AP over the finished seeds (a diverged run counts 0), mean and bootstrap interval. */
  finalAP: MeanCI & { std: number };
  /** Best AP over the evaluations, mean and interval. */
  bestAP: MeanCI & { std: number };
  finalAP50: { mean: number; std: number };
  /** Seeds that reached AP50 >= 0.5 and their mean first step doing so. */
  reachedAP50: number;
  stepsToAP50: number | null;
}

/** One setting of the non-x axes (a burn-in setting), with its points along x. */
export interface GroupStats {
  /** e.g. `burn-in 100 @ 0.1x` or `no burn-in` ({@link settingName}). */
  name: string;
  labels: Record<string, string>;
  /** This is the no-burn-in group (burninSteps 0): the baseline of the paired differences. */
  baseline: boolean;
  points: PointStats[];
  /** Highest x at which no finished seed diverged (null when it diverged everywhere). */
  highestStable: string | null;
}

/** Group minus baseline at one x, seed by seed. */
export interface PairedStats {
  group: string;
  x: string;
  xValue: number;
  seeds: number[];
  /** Final AP differences (diverged = 0), mean and bootstrap interval. */
  finalAP: MeanCI;
  bestAP: MeanCI;
  /** Per-seed final AP differences, in seed order. */
  finalAPDiffs: number[];
}

/** The sweep's analysis (sweep.json `analysis`). */
export interface SweepAnalysis {
  method: string;
  x: string;
  groups: GroupStats[];
  paired: PairedStats[];
  /** The grid point of highest mean final AP. */
  best: { group: string; x: string; finalAP: number; burnin: boolean | null } | null;
}

const FINISHED = new Set(['completed', 'diverged']);

/** Final AP a run counts with: 0 for a diverged run (its training broke down), else its own. */
export function comparableAP(r: SweepRun, k: 'finalAP' | 'bestAP'): number | null {
  if (!FINISHED.has(r.status)) return null;
  if (k === 'finalAP' && r.status === 'diverged') return 0;
  return r[k] ?? 0;
}

function withStd(xs: number[]): MeanCI & { std: number } {
  return {
    ...bootstrapMeanCI(xs, { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED }),
    std: sampleStd(xs),
  };
}

/**
 * Display name of a setting of the axes `names`: `no burn-in` (burninSteps 0),
 * `burn-in 100 @ 0.1x` (burninSteps, burninLearningRate), other axes as `name value`; `all`
 * when there are none.
 */
export function settingName(labels: Record<string, string>, names: readonly string[]): string {
  const parts: string[] = [];
  const steps = labels.burninSteps;
  if (names.includes('burninSteps'))
    parts.push(
      steps === '0'
        ? 'no burn-in'
        : `burn-in ${steps}${names.includes('burninLearningRate') ? ` @ ${labels.burninLearningRate}` : ''}`,
    );
  else if (names.includes('burninLearningRate'))
    parts.push(`burn-in rate ${labels.burninLearningRate}`);
  for (const n of names)
    if (n !== 'burninSteps' && n !== 'burninLearningRate' && labels[n] !== '-')
      parts.push(`${n} ${labels[n]}`);
  return parts.join(', ') || 'all';
}

/** The name of the axis plotted along x: the peak rate when swept, else the first axis. */
export function xAxisOf(names: readonly string[]): string {
  return names.includes('learningRateBase') ? 'learningRateBase' : names[0];
}

/**
 * Groups the runs by the values of every axis but x (and the seed), aggregates each grid
 * point over seeds, and pairs every group with the no-burn-in group (burninSteps 0) seed by
 * seed at each x. Means come with percentile bootstrap 95% intervals over the seeds
 * ({@link BOOTSTRAP_RESAMPLES} resamples, seed {@link BOOTSTRAP_SEED}).
 */
export function analyzeSweep(
  runs: readonly SweepRun[],
  axisNames: readonly string[],
): SweepAnalysis {
  const x = xAxisOf(axisNames);
  const others = axisNames.filter((n) => n !== x);
  const groupName = (r: SweepRun) => settingName(r.labels, others);
  const xValue = (r: SweepRun) => Number(r.params[x]);
  const xLabels = [...new Map(runs.map((r) => [r.labels[x], xValue(r)])).entries()].sort(
    (a, b) => a[1] - b[1],
  );
  const groupNames = [...new Set(runs.map(groupName))];
  const isBaseline = (labels: Record<string, string>) =>
    others.includes('burninSteps') && labels.burninSteps === '0';
  const groups: GroupStats[] = groupNames.map((name) => {
    const rs = runs.filter((r) => groupName(r) === name);
    const labels = Object.fromEntries(others.map((n) => [n, rs[0].labels[n]]));
    const points = xLabels
      .map(([label, value]): PointStats | null => {
        const at = rs.filter((r) => r.labels[x] === label);
        if (at.length === 0) return null;
        const fin = at.filter((r) => FINISHED.has(r.status));
        const reached = fin.filter((r) => r.stepsToAP50 !== null);
        return {
          x: label,
          xValue: value,
          finished: fin.length,
          total: at.length,
          diverged: fin.filter((r) => r.status === 'diverged').length,
          finalAP: withStd(fin.map((r) => comparableAP(r, 'finalAP') as number)),
          bestAP: withStd(fin.map((r) => comparableAP(r, 'bestAP') as number)),
          finalAP50: (() => {
            const v = fin.map((r) => (r.status === 'diverged' ? 0 : (r.finalAP50 ?? 0)));
            return { mean: mean(v), std: sampleStd(v) };
          })(),
          reachedAP50: reached.length,
          stepsToAP50: reached.length ? mean(reached.map((r) => r.stepsToAP50 as number)) : null,
        };
      })
      .filter((p): p is PointStats => p !== null);
    const stable = points.filter((p) => p.finished > 0 && p.diverged === 0);
    return {
      name,
      labels,
      baseline: isBaseline(labels),
      points,
      highestStable: stable.length ? stable[stable.length - 1].x : null,
    };
  });
  const paired: PairedStats[] = [];
  const base = groups.find((g) => g.baseline);
  if (base)
    for (const g of groups) {
      if (g === base) continue;
      for (const [label, value] of xLabels) {
        const seedMap = (name: string, k: 'finalAP' | 'bestAP') =>
          new Map(
            runs
              .filter((r) => groupName(r) === name && r.labels[x] === label)
              .map((r) => [r.seed, comparableAP(r, k)] as const)
              .filter((e): e is readonly [number, number] => e[1] !== null),
          );
        const f = pairedDifferences(seedMap(g.name, 'finalAP'), seedMap(base.name, 'finalAP'));
        const b = pairedDifferences(seedMap(g.name, 'bestAP'), seedMap(base.name, 'bestAP'));
        if (f.keys.length === 0) continue;
        const ci = (d: number[]) =>
          bootstrapMeanCI(d, { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED });
        paired.push({
          group: g.name,
          x: label,
          xValue: value,
          seeds: f.keys,
          finalAP: ci(f.diffs),
          bestAP: ci(b.diffs),
          finalAPDiffs: f.diffs,
        });
      }
    }
  let best: SweepAnalysis['best'] = null;
  for (const g of groups)
    for (const p of g.points)
      if (p.finished > 0 && (best === null || p.finalAP.mean > best.finalAP))
        best = {
          group: g.name,
          x: p.x,
          finalAP: p.finalAP.mean,
          burnin: base ? !g.baseline : null,
        };
  return {
    method: `Per grid point: mean over the finished seeds, sample std, and a percentile bootstrap 95% interval of the mean (${BOOTSTRAP_RESAMPLES} resamples of the seeds with replacement, mulberry32 seed ${BOOTSTRAP_SEED}). Final AP of a diverged run counts 0. Paired: at each ${x}, the same seed's final (best) AP of the burn-in setting minus that of burninSteps 0, then the mean and bootstrap interval of those differences.`,
    x,
    groups,
    paired,
    best,
  };
}
