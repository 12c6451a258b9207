/** One named series of (x, y) points. */
export interface Series {
  name: string;
  points: [number, number][];
  color: string;
}

function esc(s: string): string {
  return s.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c,
  );
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

/** Most points drawn per series. */
/** Plot margins in pixels (left, right, top, bottom). */
interface Margins {
  l: number;
  r: number;
  t: number;
  b: number;
}

/** The opening of a chart: the `<svg>` element with its title, the heading at `titleX`, the plot frame. */
function frame(W: number, H: number, m: Margins, title: string, titleX: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11"><title>${esc(title)}</title>`,
    `<text x="${titleX}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
}

const MAX_POINTS = 2000;

/** Every k-th point so that at most MAX_POINTS remain (the last point is kept). */
function thin(points: [number, number][]): [number, number][] {
  if (points.length <= MAX_POINTS) return points;
  const k = Math.ceil(points.length / MAX_POINTS);
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += k) out.push(points[i]);
  if ((points.length - 1) % k !== 0) out.push(points[points.length - 1]);
  return out;
}

/** A point marked on a {@link lineChart}: a circle at (x, y) with a label beside it. */
export interface Marker {
  x: number;
  y: number;
  label: string;
  color: string;
}

/**
 * A self-contained SVG line chart (axes, 5 ticks per axis, legend). Non-finite points are
 * skipped; a series of more than 2000 points is thinned to every k-th point. `logY` plots log10(y) for positive y.
 * `logX` plots log10(x) for positive x (points with x <= 0 are skipped); `markers` are
 * drawn as labelled circles (one that cannot be drawn: non-finite, or <= 0 on a log axis, is skipped).
 */
export function lineChart(
  series: readonly Series[],
  o: {
    title: string;
    width?: number;
    height?: number;
    xLabel?: string;
    logY?: boolean;
    logX?: boolean;
    markers?: readonly Marker[];
    /** Corner of the plot the legend is drawn in (default top-left). */
    legend?: 'top-left' | 'bottom-left';
  },
): string {
  const W = o.width ?? 560;
  const H = o.height ?? 260;
  const m = { l: 60, r: 12, t: 28, b: 36 };
  const ty = (y: number) => (o.logY ? Math.log10(y) : y);
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const ok = ([x, y]: [number, number]) => Number.isFinite(tx(x)) && Number.isFinite(ty(y));
  // at most MAX_POINTS points per series (every k-th, the last kept): bounded output size
  const drawn = series.map((s) => thin(s.points.filter(ok)));
  let [x0, x1, y0, y1] = [
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  for (const pts of drawn)
    for (const [xr, y] of pts) {
      const v = ty(y);
      const x = tx(xr);
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (v < y0) y0 = v;
      if (v > y1) y1 = v;
    }
  if (drawn.every((p) => p.length === 0))
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><title>${esc(o.title)}</title><text x="10" y="20">${esc(o.title)}: no data</text></svg>`;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const sx = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((ty(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts = frame(W, H, m, o.title, W / 2);
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    const X = m.l + ((W - m.l - m.r) * i) / 4;
    const Y = H - m.b - ((H - m.t - m.b) * i) / 4;
    parts.push(
      `<text x="${X}" y="${H - m.b + 14}" text-anchor="middle">${fmt(o.logX ? 10 ** xv : xv)}</text>`,
      `<text x="${m.l - 4}" y="${Y + 4}" text-anchor="end">${fmt(o.logY ? 10 ** yv : yv)}</text>`,
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y}" y2="${Y}" stroke="#eee"/>`,
    );
  }
  if (o.xLabel)
    parts.push(`<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  series.forEach((s, k) => {
    const d = drawn[k]
      .map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    const ly =
      o.legend === 'bottom-left' ? H - m.b - 8 - (series.length - 1 - k) * 13 : m.t + 14 + k * 13;
    parts.push(`<text x="${m.l + 8}" y="${ly}" fill="${s.color}">${esc(s.name)}</text>`);
  });
  for (const mk of o.markers ?? []) {
    if (!ok([mk.x, mk.y])) continue;
    const X = sx(mk.x);
    const Y = sy(mk.y);
    parts.push(
      `<circle cx="${X.toFixed(1)}" cy="${Y.toFixed(1)}" r="4" fill="none" stroke="${mk.color}" stroke-width="2"/>`,
      `<text x="${(X + 7).toFixed(1)}" y="${(Y - 7).toFixed(1)}" fill="${mk.color}">${esc(mk.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One point of a {@link pointChart} series: y with an optional interval [lo, hi]. */
export interface IntervalPoint {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

/** A named series of {@link IntervalPoint}s. */
export interface IntervalSeries {
  name: string;
  color: string;
  points: IntervalPoint[];
}

/**
 * A self-contained SVG chart of points joined by lines, with vertical error bars where a
 * point has `lo` and `hi` (e.g. a bootstrap interval). `logX` places x at log10(x) (for
 * learning rates; x must be > 0) and labels the ticks at the data's x values; series are
 * nudged apart horizontally by `dodge` pixels each so that their bars do not overlap.
 * `zeroLine` draws y = 0. Non-finite points are skipped.
 */
export function pointChart(
  series: readonly IntervalSeries[],
  o: {
    title: string;
    width?: number;
    height?: number;
    xLabel?: string;
    yLabel?: string;
    logX?: boolean;
    dodge?: number;
    zeroLine?: boolean;
  },
): string {
  const W = o.width ?? 560;
  const H = o.height ?? 300;
  const m = { l: 60, r: 190, t: 28, b: 40 };
  const tx = (x: number) => (o.logX ? Math.log10(x) : x);
  const ok = (p: IntervalPoint) => Number.isFinite(tx(p.x)) && Number.isFinite(p.y);
  const drawn = series.map((s) => s.points.filter(ok));
  const xs = [...new Set(drawn.flat().map((p) => p.x))].sort((a, b) => a - b);
  if (xs.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><title>${esc(o.title)}</title><text x="10" y="20">${esc(o.title)}: no data</text></svg>`;
  const ys = drawn.flat().flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y].filter(Number.isFinite));
  if (o.zeroLine) ys.push(0);
  let [x0, x1] = [tx(xs[0]), tx(xs[xs.length - 1])];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = (x1 - x0) * 0.08 || 0.5;
  x0 -= pad;
  x1 += pad;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const yp = (y1 - y0) * 0.05;
  y0 -= yp;
  y1 += yp;
  const sx = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts = frame(W, H, m, o.title, (W - m.r + m.l) / 2);
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4;
    const Y = sy(yv);
    parts.push(
      `<text x="${m.l - 4}" y="${Y + 4}" text-anchor="end">${fmt(yv)}</text>`,
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y}" y2="${Y}" stroke="#eee"/>`,
    );
  }
  for (const x of xs)
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle">${fmt(x)}</text>`,
    );
  if (o.zeroLine && y0 < 0 && y1 > 0)
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${sy(0).toFixed(1)}" y2="${sy(0).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`,
    );
  if (o.xLabel)
    parts.push(
      `<text x="${(W - m.r + m.l) / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    );
  if (o.yLabel)
    parts.push(
      `<text x="12" y="${(H - m.b + m.t) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(H - m.b + m.t) / 2})">${esc(o.yLabel)}</text>`,
    );
  const dodge = o.dodge ?? 0;
  series.forEach((s, k) => {
    const off = (k - (series.length - 1) / 2) * dodge;
    const pts = drawn[k].map((p) => ({ ...p, X: sx(p.x) + off }));
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.X.toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    if (pts.length > 1)
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`);
    for (const p of pts) {
      if (
        p.lo !== undefined &&
        p.hi !== undefined &&
        Number.isFinite(p.lo) &&
        Number.isFinite(p.hi)
      )
        parts.push(
          `<path d="M${p.X.toFixed(1)},${sy(p.lo).toFixed(1)}V${sy(p.hi).toFixed(1)}M${(p.X - 4).toFixed(1)},${sy(p.lo).toFixed(1)}h8M${(p.X - 4).toFixed(1)},${sy(p.hi).toFixed(1)}h8" stroke="${s.color}" stroke-width="1.2" fill="none"/>`,
        );
      parts.push(
        `<circle cx="${p.X.toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`,
      );
    }
    parts.push(
      `<text x="${W - m.r + 8}" y="${m.t + 12 + k * 14}" fill="${s.color}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
