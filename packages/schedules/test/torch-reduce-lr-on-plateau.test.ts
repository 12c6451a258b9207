import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromJSON, ScheduleOptionError, ScheduleStepError, toJSON, torch } from '../src/index.js';

// Reference values: torch 2.13 ReduceLROnPlateau, param_groups[0]['lr'] after each
// scheduler.step(metric), written by scripts/reference/torch_reduce_lr_on_plateau.py.
interface Case {
  opts: torch.ReduceLROnPlateauOptions;
  expected: number[];
}
const { cases } = JSON.parse(
  readFileSync(new URL('./fixtures/torch-reduce-lr-on-plateau.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

function optionError(make: () => unknown): ScheduleOptionError {
  try {
    make();
  } catch (e) {
    if (e instanceof ScheduleOptionError) return e;
    throw e;
  }
  throw new Error('no ScheduleOptionError');
}

describe('torch.reduceLROnPlateau', () => {
  it.each(cases.map((c, i) => [i, c] as const))('matches torch exactly: case %i', (_, c) => {
    const s = torch.reduceLROnPlateau(c.opts);
    expect(c.expected.map((_, step) => s(step))).toEqual(c.expected);
    // the spec replays to the same schedule
    const back = fromJSON(JSON.parse(JSON.stringify(toJSON(s))));
    expect(c.expected.map((_, step) => back(step))).toEqual(c.expected);
  });

  it('the reference cases exercise reductions', () => {
    expect(cases.filter((c) => c.expected.at(-1) !== c.opts.lr).length).toBeGreaterThan(20);
  });

  it('floors fractional steps and refuses steps past the recorded metrics', () => {
    const s = torch.reduceLROnPlateau({ lr: 0.1, metrics: [1, 1, 1], patience: 0 });
    expect(s(1.5)).toBe(s(1));
    expect(s(3)).toBeCloseTo(0.001, 15);
    expect(() => s(3.5)).toThrow(ScheduleStepError);
    expect(() => s(4)).toThrow(/metrics\.length = 3/);
    expect(() => s(-1)).toThrow(ScheduleStepError);
  });

  it('names the offending option', () => {
    const base = { lr: 0.1, metrics: [1, 2] };
    expect(optionError(() => torch.reduceLROnPlateau({ ...base, factor: 1 })).option).toBe(
      'factor',
    );
    expect(
      optionError(() => torch.reduceLROnPlateau({ ...base, metrics: [1, Number.NaN] })).option,
    ).toBe('metrics[1]');
    expect(optionError(() => torch.reduceLROnPlateau({ ...base, patience: 1.5 })).option).toBe(
      'patience',
    );
    expect(
      optionError(() => torch.reduceLROnPlateau({ ...base, mode: 'avg' as 'min' })).option,
    ).toBe('mode');
    expect(
      optionError(() => torch.reduceLROnPlateau({ ...base, metric: [1] } as never)).option,
    ).toBe('metric');
  });
});
