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
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="10" y="20">${esc(o.title)}: no data</text></svg>`;
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const sx = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((ty(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
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
