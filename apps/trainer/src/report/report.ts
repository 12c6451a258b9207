import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunJson, writeFileAtomic } from '../run/fs.js';
import { COCO_STAT_NAMES } from './names.js';
import { lineChart } from './svg.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function esc(s: string): string {
  return s.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c,
  );
}

/** A validation image for the report: PNG bytes with boxes already drawn. */
export interface ReportImage {
  png: Buffer;
  caption: string;
}

/** Inputs of {@link renderReport}. */
export interface ReportInput {
  title: string;
  metrics: Record<string, unknown>[];
  /** (step, learning rate) samples over steps 0..steps-1. */
  learningRates: [number, number][];
  summary: Record<string, unknown>;
  config: unknown;
  images: ReportImage[];
}

/** Renders the self-contained report page (inline SVG charts and base64 PNGs). */
export function renderReport(r: ReportInput): string {
  const train = r.metrics.filter((m) => m.type === 'train');
  const evals = r.metrics.filter((m) => m.type === 'eval');
  const lossKeys = ['loss', 'heatmap', 'box'];
  const lr = lineChart([{ name: 'learning rate', color: COLORS[0], points: r.learningRates }], {
    title: 'Learning rate',
    xLabel: 'step',
  });
  const loss = lineChart(
    lossKeys.map((k, i) => ({
      name: k,
      color: COLORS[i],
      points: train.map((m) => [m.step as number, m[k] as number] as [number, number]),
    })),
    { title: 'Training loss (log scale)', xLabel: 'step', logY: true },
  );
  const ap = lineChart(
    [0, 1, 2].map((i) => ({
      name: COCO_STAT_NAMES[i],
      color: COLORS[i],
      points: evals.map((m) => [m.step as number, (m.stats as number[])[i]] as [number, number]),
    })),
    { title: 'Validation COCO AP', xLabel: 'step' },
  );
  const s = r.summary as { final?: { stats: number[] }; best?: { stats: number[]; step: number } };
  const statsRows = COCO_STAT_NAMES.map(
    (n, i) =>
      `<tr><td>${n}</td><td>${s.final ? s.final.stats[i].toFixed(3) : '-'}</td><td>${s.best ? s.best.stats[i].toFixed(3) : '-'}</td></tr>`,
  ).join('');
  const imgs = r.images
    .map(
      (im) =>
        `<figure><img src="data:image/png;base64,${im.png.toString('base64')}" width="256" height="256"><figcaption>${esc(im.caption)}</figcaption></figure>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1200px}figure{display:inline-block;margin:6px}
img{image-rendering:pixelated;border:1px solid #ccc}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
.charts svg{margin:6px;border:1px solid #eee}pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:300px}</style></head>
<body><h1>${esc(r.title)}</h1>
<p>Status: <b>${esc(String(r.summary.status))}</b>, steps ${esc(String(r.summary.steps))}, backend ${esc(String(r.summary.backend))},
wall time ${Number(r.summary.wallTimeSec).toFixed(0)} s, ${Number(r.summary.imagesPerSec).toFixed(1)} images/s.</p>
<div class="charts">${lr}${loss}${ap}</div>
<h2>COCO stats</h2><table><tr><th>metric</th><th>final</th><th>best${s.best ? ` (step ${s.best.step})` : ''}</th></tr>${statsRows}</table>
<h2>Validation images</h2><p>Green: ground truth. Other colours: predictions (score &ge; 0.3) of the final model.</p>${imgs}
<h2>Configuration</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>
</body></html>
`;
}

/** Writes `report.html` atomically into `outDir`. */
export function writeReport(outDir: string, html: string): string {
  const file = join(outDir, 'report.html');
  writeFileAtomic(file, [html]);
  return file;
}

/** Reads a JSON file or returns undefined; a damaged file is a RunFileError naming it. */
export function readJsonIfExists(file: string): unknown {
  return existsSync(file) ? readRunJson(file) : undefined;
}
