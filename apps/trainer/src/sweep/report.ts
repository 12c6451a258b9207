import { join } from 'node:path';
import { type IntervalPoint, lineChart, pointChart } from '../report/svg.js';
import { makeDir, writeFileAtomic, writeJsonAtomic } from '../run/fs.js';
import { analyzeSweep, type PointStats, type SweepAnalysis } from './analysis.js';
import type { Axis } from './grid.js';
import { LOSS_CURVE_STEPS, type SweepRun } from './record.js';

/** What sweep.json holds besides the analysis. */
export interface SweepState {
  settings: unknown;
  axes: readonly Axis[];
  runs: readonly SweepRun[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];

function esc(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] ?? c);
}

const f3 = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(3);
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(3)}` : '-');

/** Rows of the AP table (one per group and x) and of the paired table, as text columns. */
export function sweepTables(a: SweepAnalysis): { ap: string[][]; paired: string[][] } {
  const ap: string[][] = [
    [
      a.x,
      'setting',
      'seeds',
      'final AP mean ± std [95% CI]',
      'best AP',
      'final AP50',
      'diverged',
      'AP50≥.5 (mean step)',
    ],
  ];
  const xs = [...new Set(a.groups.flatMap((g) => g.points.map((p) => p.x)))];
  const order = new Map(a.groups.flatMap((g) => g.points.map((p) => [p.x, p.xValue] as const)));
  xs.sort((p, q) => (order.get(p) as number) - (order.get(q) as number));
  for (const x of xs)
    for (const g of a.groups) {
      const p = g.points.find((q) => q.x === x);
      if (!p) continue;
      ap.push([
        x,
        g.name,
        `${p.finished}/${p.total}`,
        p.finished
          ? `${f3(p.finalAP.mean)} ± ${f3(p.finalAP.std)} [${f3(p.finalAP.lo)}, ${f3(p.finalAP.hi)}]`
          : '-',
        f3(p.bestAP.mean),
        f3(p.finalAP50.mean),
        `${p.diverged}/${p.finished}`,
        p.stepsToAP50 === null
          ? `${p.reachedAP50}/${p.finished}`
          : `${p.reachedAP50}/${p.finished} (${p.stepsToAP50.toFixed(0)})`,
      ]);
    }
  const paired: string[][] = [
    [
      a.x,
      'setting − no burn-in (same seed)',
      'seeds',
      'Δ final AP [95% CI]',
      'Δ best AP [95% CI]',
      'per seed',
    ],
  ];
  for (const p of [...a.paired].sort((u, v) => u.xValue - v.xValue))
    paired.push([
      p.x,
      p.group,
      String(p.seeds.length),
      `${signed(p.finalAP.mean)} [${signed(p.finalAP.lo)}, ${signed(p.finalAP.hi)}]`,
      `${signed(p.bestAP.mean)} [${signed(p.bestAP.lo)}, ${signed(p.bestAP.hi)}]`,
      p.finalAPDiffs.map(signed).join(' '),
    ]);
  return { ap, paired };
}

/** Columns padded to a plain-text table. */
export function textTable(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A Markdown table of `rows` (first row the header). */
export function markdownTable(rows: string[][]): string {
  const line = (r: string[]) => `| ${r.join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map(() => '---')), ...rows.slice(1).map(line)].join('\n');
}

/** The sweep's charts as standalone SVG documents, by file name. */
export function sweepCharts(a: SweepAnalysis, runs: readonly SweepRun[]): Record<string, string> {
  const logX = a.x === 'learningRateBase';
  const xLabel = logX ? 'peak learning rate (learningRateBase, log scale)' : a.x;
  const color = (i: number) => COLORS[i % COLORS.length];
  // one series per burn-in setting, over the points with at least one finished seed
  const perGroup = (point: (p: PointStats) => IntervalPoint) =>
    a.groups.map((g, i) => ({
      name: g.name,
      color: color(i),
      points: g.points.filter((p) => p.finished > 0).map(point),
    }));
  const charts: Record<string, string> = {
    'ap-vs-peak-lr.svg': pointChart(
      perGroup((p) => ({ x: p.xValue, y: p.finalAP.mean, lo: p.finalAP.lo, hi: p.finalAP.hi })),
      {
        title: 'Final AP (mean, bootstrap 95% CI over seeds)',
        xLabel,
        yLabel: 'COCO AP',
        logX,
        dodge: 8,
        width: 680,
      },
    ),
    'divergence-rate.svg': pointChart(
      perGroup((p) => ({ x: p.xValue, y: p.diverged / p.finished })),
      {
        title: 'Divergence rate (NaN/Inf loss)',
        xLabel,
        yLabel: 'share of seeds',
        logX,
        dodge: 6,
        width: 680,
      },
    ),
  };
  if (a.paired.length)
    charts['paired-difference.svg'] = pointChart(
      [...new Set(a.paired.map((p) => p.group))].map((g, i) => ({
        name: `${g} − none`,
        color: color(i + 1),
        points: a.paired
          .filter((p) => p.group === g)
          .map((p) => ({ x: p.xValue, y: p.finalAP.mean, lo: p.finalAP.lo, hi: p.finalAP.hi })),
      })),
      {
        title: 'Paired Δ final AP, burn-in − none (same seed; 95% CI)',
        xLabel,
        yLabel: 'Δ AP',
        logX,
        dodge: 8,
        zeroLine: true,
        width: 680,
      },
    );
  const groupOf = (r: SweepRun) =>
    a.groups.findIndex((g) => Object.entries(g.labels).every(([k, v]) => r.labels[k] === v));
  for (const [xl] of new Map(runs.map((r) => [r.labels[a.x], 0]))) {
    const series = a.groups.map((g, i) => {
      const rs = runs.filter((r) => r.labels[a.x] === xl && groupOf(r) === i && r.loss.length);
      // mean loss over the seeds at each logged step all of them have
      const steps = rs.length ? rs[0].loss.map(([s]) => s) : [];
      const points = steps
        .map((s) => {
          const v = rs.map((r) => r.loss.find(([t]) => t === s)?.[1]);
          return v.every((y) => y !== undefined)
            ? ([s, (v as number[]).reduce((p, q) => p + q, 0) / v.length] as [number, number])
            : null;
        })
        .filter((p): p is [number, number] => p !== null);
      return { name: `${g.name} (${rs.length} seeds)`, color: color(i), points };
    });
    charts[`loss-${xl.replace(/[^A-Za-z0-9.+-]/g, '_')}.svg`] = lineChart(series, {
      title: `Training loss, first ${LOSS_CURVE_STEPS} steps, ${a.x} ${xl} (mean over seeds, log)`,
      xLabel: 'step',
      logY: true,
      width: 680,
    });
  }
  return charts;
}

/**
 * Writes `<out>/sweep.json` (settings, axes, one entry per run, the analysis) and
 * `<out>/sweep.html` (offline: tables and inline SVG charts), the tables as Markdown in
 * `<out>/sweep.md`, and each chart as `<out>/plots/<name>.svg`, all atomically.
 */
export function writeSweepReport(outDir: string, s: SweepState): SweepAnalysis {
  const analysis = analyzeSweep(
    s.runs,
    s.axes.map((a) => a.name),
  );
  writeJsonAtomic(join(outDir, 'sweep.json'), {
    format: 'burnin-sweep',
    version: 1,
    settings: s.settings,
    axes: s.axes.map((a) => ({ flag: a.flag, path: a.path, name: a.name, values: a.values })),
    runs: s.runs,
    analysis,
  });
  const t = sweepTables(analysis);
  const charts = sweepCharts(analysis, s.runs);
  makeDir(join(outDir, 'plots'));
  for (const [name, svg] of Object.entries(charts))
    writeFileAtomic(join(outDir, 'plots', name), [`${svg}\n`]);
  const done = s.runs.filter((r) => r.status === 'completed' || r.status === 'diverged').length;
  const backends = [...new Set(s.runs.map((r) => r.backend).filter(Boolean))].join(', ') || '-';
  const threads =
    [...new Set(s.runs.map((r) => r.threads).filter((v) => v !== null))].join(', ') || '-';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>burnin sweep</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1100px}pre{background:#f6f6f6;padding:8px;overflow-x:auto}svg{display:block;margin:12px 0}</style></head><body>
<h1>Sweep</h1>
<p>${done}/${s.runs.length} runs finished; backend ${esc(backends)}, ${esc(threads)} thread(s) per run.</p>
<h2>AP by grid point</h2><pre>${esc(textTable(t.ap))}</pre>
${t.paired.length > 1 ? `<h2>Paired differences</h2><pre>${esc(textTable(t.paired))}</pre>` : ''}
<p>${esc(analysis.method)}</p>
${Object.values(charts).join('\n')}
</body></html>
`;
  writeFileAtomic(join(outDir, 'sweep.html'), [html]);
  writeFileAtomic(join(outDir, 'sweep.md'), [
    `${markdownTable(t.ap)}\n${t.paired.length > 1 ? `\n${markdownTable(t.paired)}\n` : ''}`,
  ]);
  return analysis;
}
