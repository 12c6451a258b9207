import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { buildSchedule, defaultSchedule, resolveConfig, validateConfig } from '../src/config.js';
import { appliedScheduleSpec, applyBlock } from '../src/lrfind/apply.js';
import { renderLrFindHtml } from '../src/lrfind/html.js';
import { rampLearningRate } from '../src/lrfind/ramp.js';
import type { RangeTestResult } from '../src/lrfind/range-test.js';
import { describeStop, lrFindFile, smoothedDrop } from '../src/lrfind/result.js';
import { lineChart } from '../src/report/svg.js';

const config = resolveConfig({ preset: 'smoke' });

function fakeResult(): RangeTestResult {
  const points = Array.from({ length: 30 }, (_, step) => {
    const lr = rampLearningRate(step, 1e-5, 1, 40);
    return { step, lr, loss: 2 - step * 0.01, smoothed: 2 - step * 0.009 };
  });
  points[29].loss = Number.NaN;
  points[29].smoothed = Number.NaN;
  return {
    points,
    stoppedAt: 29,
    reason: 'non-finite',
    suggestion: { index: 17, lr: points[17].lr },
  };
}

const fileOf = (r: RangeTestResult) =>
  lrFindFile(r, {
    config,
    start: 1e-5,
    end: 1,
    steps: 40,
    backend: 'cpu',
    threads: 1,
    beta: 0.98,
    divergenceFactor: 4,
  });

describe('lr-find.json', () => {
  it('has the fields the issue names; NaN losses become null, JSON round-trips', () => {
    const f = fileOf(fakeResult());
    const back = JSON.parse(JSON.stringify(f));
    expect(back).toEqual(f);
    for (const k of [
      'config',
      'start',
      'end',
      'steps',
      'points',
      'stoppedAt',
      'reason',
      'suggestedLr',
    ])
      expect(back).toHaveProperty(k);
    expect(back.points[29]).toEqual({ step: 29, lr: f.points[29].lr, loss: null, smoothed: null });
    expect(back.points[3].loss).toBeCloseTo(1.97, 12);
    expect(back.suggestedLr).toBe(f.points[17].lr);
    expect(back.suggestedStep).toBe(17);
    expect(describeStop(f)).toMatch(/NaN or infinite at step 29/);
    // smoothed 2 - 0.009 step: from 1.91 at step 10 to 1.748 at step 28 (29 is NaN)
    expect(smoothedDrop(f)).toBeCloseTo(1 - 1.748 / 1.91, 12);
    expect(smoothedDrop({ ...f, points: f.points.slice(0, 10) })).toBeNull();
  });
});

describe('lr-find.html', () => {
  it('is offline (no script, no external resource), log-x, and marks the suggestion', () => {
    const f = fileOf(fakeResult());
    const html = renderLrFindHtml(f, applyBlock(f.suggestedLr as number, config.train.steps));
    expect(html).not.toMatch(/<script|src=|href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('<svg');
    expect(html).toContain('learning rate (log scale)');
    expect(html).toContain(`suggested ${(f.suggestedLr as number).toPrecision(3)}`);
    expect(html).toMatch(/<circle /);
    expect(html).toContain('tfod.exponentialDecayWithBurnin');
    // the fake curve falls 8.5% from step 10: no warning; a flat one gets it
    expect(html).not.toContain('Warning');
    const flat = { ...f, points: f.points.map((p) => ({ ...p, smoothed: 2 })) };
    expect(renderLrFindHtml(flat, null)).toContain('fell only 0.0%');
    // without a suggestion: says so, no marker
    const none = renderLrFindHtml({ ...f, suggestedLr: null, suggestedStep: null }, null);
    expect(none).toContain('No suggestion');
    expect(none).not.toMatch(/<circle /);
  });

  it('lineChart logX spaces decades evenly and labels ticks with the rates', () => {
    const svg = lineChart(
      [
        {
          name: 's',
          color: '#000',
          points: [
            [1e-4, 1],
            [1e-3, 2],
            [1e-2, 3],
            [0, 5], // not drawable on a log axis: skipped
          ],
        },
      ],
      {
        title: 't',
        logX: true,
        width: 100 + 60 + 12,
        markers: [{ x: 1e-3, y: 2, label: 'm', color: 'red' }],
      },
    );
    // plot area 100 px from x = 60: the three decades at 60, 110, 160
    const d = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/[ML](\d+\.\d)/g)?.map((s) => Number(s.slice(1)))).toEqual([60, 110, 160]);
    expect(svg).toContain('<circle cx="110.0"');
    expect(svg).toContain('>1.0e-4<');
    expect(svg).toContain('>0.01<');
    // legend: top-left by default, bottom-left on request (plot bottom at 260 - 36)
    expect(svg).toContain('<text x="68" y="42" fill="#000">s</text>');
    const low = lineChart(
      [
        {
          name: 's',
          color: '#000',
          points: [
            [1, 1],
            [2, 2],
          ],
        },
      ],
      {
        title: 't',
        legend: 'bottom-left',
      },
    );
    expect(low).toContain('<text x="68" y="216" fill="#000">s</text>');
  });
});

describe('lr-find --apply block', () => {
  it('is a train.schedule the trainer accepts: the default burn-in shape at the suggested base', () => {
    const steps = 1000;
    const text = applyBlock(0.0123456, steps);
    const parsed = YAML.parse(text);
    const cfg = validateConfig({ train: { steps, ...parsed.train } });
    const s = buildSchedule(cfg);
    const d = defaultSchedule(steps);
    const o = parsed.train.schedule.options;
    expect(parsed.train.schedule.type).toBe('tfod.exponentialDecayWithBurnin');
    expect(o.learningRateBase).toBe(0.0123);
    // burn-in: the default's steps, at the default's ratio to the base (a tenth)
    expect(o.burninSteps).toBe((d.spec.options as Record<string, number>).burninSteps);
    expect(s(0)).toBeCloseTo(0.00123, 12);
    expect(s(o.burninSteps - 1)).toBeCloseTo(0.00123, 12);
    expect(s(o.burninSteps)).toBeCloseTo(0.0123, 12);
    // then the default's decay: half after a quarter of the run
    expect(s(o.burninSteps + 250)).toBeCloseTo(0.0123 / 2, 12);
    // everywhere the default schedule scaled by the same factor, up to the 3-digit rounding
    for (const step of [0, 10, 60, 300, 555, 999])
      expect(s(step) / d(step)).toBeCloseTo(0.0123 / 4e-3, 2);
  });

  it('rounds the rate to 3 significant digits and keeps staircase', () => {
    const spec = appliedScheduleSpec(3.14159e-4, 200);
    expect(spec.options.learningRateBase).toBe(3.14e-4);
    expect(spec.options.staircase).toBe(true);
  });
});
