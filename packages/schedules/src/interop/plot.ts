import { isNum, optNumber, optString, parseOptions } from '../core/options.js';
import { type Schedule, scheduleOption } from '../core/schedule.js';
import { ScheduleOptionError } from '../errors.js';

/** Options of {@link asciiPlot}. */
export interface AsciiPlotOptions {
  /** Last step plotted (integer > 0); the plot covers steps `0..steps`. */
  steps: number;
  /** Plot width in characters (integer >= 8). Default 72. */
  width?: number;
  /** Plot height in rows (integer >= 3). Default 16. */
  height?: number;
}

/** Options of {@link svgPlot}. */
export interface SvgPlotOptions {
  /** Last step plotted (integer > 0); the plot covers steps `0..steps`. */
  steps: number;
  /** Image width in pixels (integer >= 160). Default 640. */
  width?: number;
  /** Image height in pixels (integer >= 120). Default 320. */
  height?: number;
  /** Title drawn above the plot. Default: the schedule's type. */
  title?: string;
}

/** Short human-readable number: 3 significant digits, exponent form for tiny/huge values. */
export function formatNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2).replace(/\.?0+e/, 'e');
}

function sample(
  ctx: string,
  schedule: Schedule,
  steps: number,
  n: number,
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  const count = Math.min(n, steps + 1);
  for (let i = 0; i < count; i++) {
    const s = count === 1 ? 0 : Math.round((i * steps) / (count - 1));
    const v = schedule(s);
    if (!Number.isFinite(v))
      throw new ScheduleOptionError(ctx, 'schedule', v, `finite values (got ${v} at step ${s})`);
    x.push(s);
    y.push(v);
  }
  return { x, y };
}

function range(y: number[]): [number, number] {
  let lo = Math.min(...y);
  let hi = Math.max(...y);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/**
 * Plots a schedule in the terminal: one column per sampled step (integer steps spread over
 * `0..steps`), `*` at each value, `|` joining jumps, y labels at the top, middle and bottom and
 * x labels at 0, the middle and `steps`. Lines end with `\n`.
 * @example console.log(asciiPlot(tfod.cosineDecayWithWarmup({ learningRateBase: 0.04, totalSteps: 1000, warmupSteps: 100 }), { steps: 1000 }))
 */
export function asciiPlot(schedule: Schedule, options: AsciiPlotOptions): string {
  const ctx = 'asciiPlot';
  const s = scheduleOption(ctx, 'schedule', schedule);
  const { steps, width, height } = parseOptions(ctx, options, {
    steps: isNum({ int: true, gt: 0 }),
    width: optNumber(72, { int: true, min: 8, max: 1000 }),
    height: optNumber(16, { int: true, min: 3, max: 200 }),
  });
  const { x, y } = sample(ctx, s, steps, width);
  const [lo, hi] = range(y);
  const row = (v: number) => Math.round(((hi - v) / (hi - lo)) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(x.length).fill(' '));
  let prev = -1;
  for (let c = 0; c < x.length; c++) {
    const r = row(y[c]);
    if (prev >= 0 && Math.abs(r - prev) > 1) {
      const [a, b] = r > prev ? [prev + 1, r] : [r + 1, prev];
      for (let k = a; k < b; k++) grid[k][c] = '|';
    }
    grid[r][c] = '*';
    prev = r;
  }
  const labels = new Map<number, string>([
    [0, formatNumber(hi)],
    [Math.floor((height - 1) / 2), formatNumber((hi + lo) / 2)],
    [height - 1, formatNumber(lo)],
  ]);
  const lw = Math.max(...[...labels.values()].map((l) => l.length));
  const lines = grid.map((cells, r) => `${(labels.get(r) ?? '').padStart(lw)} ┤${cells.join('')}`);
  lines.push(`${' '.repeat(lw)} └${'─'.repeat(x.length)}`);
  const first = '0';
  const mid = String(x[Math.floor((x.length - 1) / 2)]);
  const last = String(steps);
  const axis = Array<string>(x.length + 1).fill(' ');
  const put = (at: number, text: string) => {
    for (let i = 0; i < text.length && at + i < axis.length; i++) axis[at + i] = text[i];
  };
  put(1, first);
  put(
    Math.max(first.length + 2, Math.floor((x.length - 1) / 2) + 1 - Math.floor(mid.length / 2)),
    mid,
  );
  put(Math.max(0, axis.length - last.length), last);
  lines.push(`${' '.repeat(lw)} ${axis.join('').trimEnd()}  (step)`);
  return `${lines.join('\n')}\n`;
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 x 10^k spacing). */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  for (let k = start; k * step <= hi + step * 1e-9; k++)
    out.push(Number((k * step).toPrecision(12)));
  return out;
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/**
 * Renders a schedule as a standalone SVG document (no external resources): a polyline of
 * the value at integer steps over `0..steps` (up to 2000 samples), x and y axes with "nice" tick
 * marks and labels, axis titles and a title.
 */
export function svgPlot(schedule: Schedule, options: SvgPlotOptions): string {
  const ctx = 'svgPlot';
  const s = scheduleOption(ctx, 'schedule', schedule);
  const o = parseOptions(ctx, options, {
    steps: isNum({ int: true, gt: 0 }),
    width: optNumber(640, { int: true, min: 160, max: 10000 }),
    height: optNumber(320, { int: true, min: 120, max: 10000 }),
    title: optString,
  });
  const { steps, width, height } = o;
  const title = o.title ?? s.spec.type;
  const { x, y } = sample(ctx, s, steps, 2000);
  const [lo, hi] = range(y);
  const m = { left: 64, right: 16, top: 32, bottom: 44 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const px = (v: number) => m.left + (v / steps) * pw;
  const py = (v: number) => m.top + ((hi - v) / (hi - lo)) * ph;
  const f = (v: number) => String(Math.round(v * 100) / 100);
  const points = x.map((sx, i) => `${f(px(sx))},${f(py(y[i]))}`).join(' ');
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${f(width / 2)}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
  );
  const grid: string[] = [];
  const labels: string[] = [];
  for (const t of ticks(lo, hi, 5)) {
    if (t < lo || t > hi) continue;
    const yy = f(py(t));
    grid.push(`<line x1="${m.left}" y1="${yy}" x2="${m.left + pw}" y2="${yy}" stroke="#e5e5e5"/>`);
    labels.push(`<line x1="${m.left - 4}" y1="${yy}" x2="${m.left}" y2="${yy}" stroke="#333"/>`);
    labels.push(
      `<text x="${m.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(formatNumber(t))}</text>`,
    );
  }
  for (const t of ticks(0, steps, 6)) {
    if (t < 0 || t > steps) continue;
    const xx = f(px(t));
    labels.push(
      `<line x1="${xx}" y1="${m.top + ph}" x2="${xx}" y2="${m.top + ph + 4}" stroke="#333"/>`,
    );
    labels.push(
      `<text x="${xx}" y="${m.top + ph + 16}" text-anchor="middle">${esc(formatNumber(t))}</text>`,
    );
  }
  parts.push(...grid);
  parts.push(
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333"/>`,
    `<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333"/>`,
  );
  parts.push(...labels);
  parts.push(
    `<text x="${f(m.left + pw / 2)}" y="${height - 8}" text-anchor="middle">step</text>`,
    `<text x="14" y="${f(m.top + ph / 2)}" text-anchor="middle" transform="rotate(-90 14 ${f(m.top + ph / 2)})">learning rate</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points}"/>`,
    '</svg>',
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${parts.join('\n')}\n`;
}
