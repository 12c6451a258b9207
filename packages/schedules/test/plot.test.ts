import { describe, expect, it } from 'vitest';
import {
  asciiPlot,
  formatNumber,
  linear,
  ScheduleOptionError,
  svgPlot,
  torch,
} from '../src/index.js';

function starRows(plot: string): number[] {
  // Row index of the '*' in each column of the plot area.
  const rows = plot.split('\n').filter((l) => l.includes('┤'));
  const grid = rows.map((l) => l.slice(l.indexOf('┤') + 1));
  const cols = Math.max(...grid.map((g) => g.length));
  const out: number[] = [];
  for (let c = 0; c < cols; c++) out.push(grid.findIndex((g) => g[c] === '*'));
  return out;
}

describe('asciiPlot', () => {
  it('draws one * per column, in the right rows, with axis labels', () => {
    const p = asciiPlot(linear({ from: 1, to: 0, steps: 100 }), {
      steps: 100,
      width: 20,
      height: 5,
    });
    const lines = p.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    const rows = starRows(p);
    expect(rows).toHaveLength(20);
    expect(rows[0]).toBe(0);
    expect(rows[19]).toBe(4);
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeGreaterThanOrEqual(rows[i - 1]);
    expect(lines[0]).toMatch(/^ *1 ┤\*/);
    expect(lines[4]).toMatch(/^ *0 ┤/);
    expect(lines[6]).toMatch(/0 .*100 {2}\(step\)$/);
  });

  it('joins jumps with |', () => {
    const p = asciiPlot(torch.multiStepLR({ lr: 1, milestones: [10], gamma: 0.01 }), {
      steps: 19,
      width: 20,
      height: 6,
    });
    expect(p).toContain('|');
    const rows = starRows(p);
    expect(rows.slice(0, 10).every((r) => r === 0)).toBe(true);
    expect(rows.slice(10).every((r) => r === 5)).toBe(true);
  });

  it('validates options', () => {
    const s = linear({ from: 1, to: 0, steps: 10 });
    expect(() => asciiPlot(s, { steps: 0 })).toThrow(ScheduleOptionError);
    expect(() => asciiPlot(s, { steps: 10, width: 2 })).toThrow(/width/);
    expect(() => asciiPlot((() => 1) as never, { steps: 10 })).toThrow(/schedule/);
  });
});

describe('svgPlot', () => {
  const s = torch.cosineAnnealingLR({ lr: 0.1, tMax: 100, etaMin: 0.001 });

  it('is a standalone, balanced SVG document with axes, ticks and labels', () => {
    const svg = svgPlot(s, { steps: 100, title: 'cosine <annealing> & co' });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).not.toMatch(/href=|<script/);
    // balanced tags
    const opened = (svg.match(/<(svg|title|text)[\s>]/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|title|text)>/g) ?? []).length;
    expect(opened).toBe(closed);
    expect(svg).toContain('cosine &lt;annealing&gt; &amp; co');
    // 101 integer steps sampled
    const points = /points="([^"]+)"/.exec(svg)?.[1].split(' ') ?? [];
    expect(points).toHaveLength(101);
    // first point is top-left of the plot area (max value), the middle point is the bottom (min)
    const [x0, y0] = points[0].split(',').map(Number);
    const [, y50] = points[50].split(',').map(Number);
    expect(x0).toBe(64);
    expect(y0).toBeLessThan(y50);
    // x tick labels 0 .. 100 and y tick labels
    for (const t of ['>0<', '>20<', '>100<', '>0.04<', '>0.1<']) expect(svg).toContain(t);
  });

  it('validates options', () => {
    expect(() => svgPlot(s, { steps: 10, width: 10 })).toThrow(/width/);
    expect(() => svgPlot(s, { steps: 10, title: 3 as never })).toThrow(/title/);
  });
});

describe('formatNumber', () => {
  it('uses 3 significant digits and exponents for tiny values', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.0400001)).toBe('0.04');
    expect(formatNumber(123456)).toBe('1.23e+5');
    expect(formatNumber(0.00001)).toBe('1e-5');
  });
});
