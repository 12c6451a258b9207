import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { usageOf } from '../src/commands/table.js';
import { resolveConfig } from '../src/config.js';
import { buildGrid, parseScheduleFlag, parseSetFlag } from '../src/sweep/grid.js';
import { runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'burnin-sweep-grid-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `burnin sweep` on the smoke preset into a folder that must stay untouched. */
let n = 0;
async function sweep(...args: string[]) {
  const out = join(root, `never${n++}`);
  const r = await runCli(['sweep', '--preset', 'smoke', '--backend', 'cpu', '--out', out, ...args]);
  expect(existsSync(out), 'nothing is written for a refused grid').toBe(false);
  return r;
}

describe('burnin sweep: grid parsing', () => {
  it('--help documents every flag the command accepts', async () => {
    const r = await runCli(['sweep', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(usageOf('sweep'));
    for (const f of [
      '--peak-lr',
      '--burnin-steps',
      '--burnin-lr',
      '--set',
      '--seeds',
      '--steps',
      '--preset',
      '--config',
      '--eval-every',
      '--jobs',
      '--threads',
      '--out',
      '--backend',
    ])
      expect(r.out).toContain(f);
    expect(r.out).toMatch(/kill -9/);
  });

  it('every documented option is accepted (none is an unknown option)', async () => {
    const flags = [
      ['--peak-lr', 'x'],
      ['--burnin-steps', 'x'],
      ['--burnin-lr', 'x'],
      ['--set', 'x'],
      ['--seeds', 'x'],
      ['--steps', 'x'],
      ['--preset', 'x'],
      ['--config', join(root, 'missing.yaml')],
      ['--eval-every', 'x'],
      ['--jobs', 'x'],
      ['--threads', 'x'],
      ['--out', join(root, 'never')],
      ['--backend', 'x'],
    ];
    for (const [f, v] of flags) {
      // each with a --peak-lr that fails later, so no sweep starts
      const r = await runCli(['sweep', f, v, ...(f === '--peak-lr' ? [] : ['--peak-lr', 'bad'])]);
      expect(r.err, f).not.toMatch(/unknown option/);
      expect(r.code, f).not.toBe(0);
    }
  });

  it('refuses bad grids with exit 2, naming the flag, before anything is written', async () => {
    const cases: [string[], RegExp][] = [
      [[], /sweep needs at least one swept parameter/],
      [['--peak-lr', ''], /--peak-lr needs a comma-separated list/],
      [['--peak-lr', '1e-3,,4e-3'], /--peak-lr: empty value/],
      [['--peak-lr', '1e-3,abc'], /--peak-lr: 'abc' is not a number/],
      [['--peak-lr', '1e-3,0.001'], /--peak-lr: '0.001' repeats '1e-3'/],
      [['--peak-lr', '-1'], /--peak-lr: '-1' must be a learning rate > 0/],
      // the schedule's own range check (MAX_LEARNING_RATE) through the real validators
      [['--peak-lr', '20'], /--peak-lr: the cell --peak-lr 20 is invalid: .*at most 10/],
      [['--burnin-steps', '1.5'], /--burnin-steps: '1.5' must be an integer >= 0/],
      [['--burnin-steps', '0,0'], /--burnin-steps: '0' repeats/],
      [['--burnin-lr', '0'], /--burnin-lr: '0' must be a rate > 0/],
      [['--burnin-lr', '0x'], /--burnin-lr: '0x' must be a factor > 0/],
      [['--set', 'train.frobnicate=1,2'], /--set train.frobnicate: .*frobnicate/],
      [
        ['--set', 'train.schedule.options.frobnicate=1,2'],
        /--set train.schedule.options.frobnicate: .*frobnicate/,
      ],
      [
        ['--set', 'train.schedule.options.learningRateDecayFactor=-1'],
        /--set train.schedule.options.learningRateDecayFactor: .*learningRateDecayFactor/,
      ],
      [['--set', 'train.batchSize=4,x'], /--set train.batchSize: .*batchSize/],
      [['--set', 'train.steps=4,8'], /--set train.steps: set it with --steps/],
      [['--set', 'seed=1'], /--set seed: KEY must be a dotted config key/],
      [['--set', 'nokey'], /--set needs KEY=a,b,c/],
      [['--set', 'train.optimizer='], /--set train.optimizer needs a comma-separated list/],
      [
        ['--peak-lr', '1e-3', '--set', 'train.schedule.options.learningRateBase=2e-3'],
        /learningRateBase is swept twice \(--peak-lr and --set/,
      ],
      [['--peak-lr', '1e-3', '--seeds', '0'], /--seeds must be a positive integer/],
      [['--peak-lr', '1e-3', '--jobs', 'two'], /--jobs must be a positive integer/],
      [['--peak-lr', '1e-3', '--threads', '0'], /--threads must be a positive integer/],
      [['--peak-lr', '1e-3', '--backend', 'gpu'], /--backend must be one of/],
      [['--peak-lr', '1e-3', '--preset', 'huge'], /unknown preset 'huge'/],
    ];
    for (const [args, re] of cases) {
      const r = await sweep(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err.split('\n')[0], 'one line').toMatch(/^error: /);
    }
  });

  it('a base schedule of another type refuses the burn-in flags but takes --set', () => {
    const base = resolveConfig({ preset: 'smoke' });
    const cosine = {
      ...base,
      train: { ...base.train, schedule: { type: 'constant', options: { value: 1e-3 } } },
    };
    const common = { base: cosine, steps: 8, seeds: 1, evalEvery: 4, threads: 1 };
    expect(() =>
      buildGrid({
        ...common,
        axes: [
          {
            flag: '--peak-lr',
            path: 'train.schedule.options.learningRateBase',
            name: 'learningRateBase',
            values: parseScheduleFlag('peak-lr', '1e-3'),
          },
        ],
      }),
    ).toThrow(
      /--peak-lr: sets tfod.exponentialDecayWithBurnin options, but the base schedule is constant/,
    );
    const g = buildGrid({
      ...common,
      axes: [parseSetFlag('train.schedule.options.value=1e-3,2e-3')],
    });
    expect(
      g.cells.map(
        (c) => (c.config.train.schedule as unknown as { options: { value: number } }).options.value,
      ),
    ).toEqual([1e-3, 2e-3]);
  });
});

describe('burnin sweep: the cells of a grid', () => {
  const base = resolveConfig({ preset: 'smoke' });
  const axes = [
    {
      flag: '--peak-lr',
      path: 'train.schedule.options.learningRateBase',
      name: 'learningRateBase',
      values: parseScheduleFlag('peak-lr', '1e-3,4e-3'),
    },
    {
      flag: '--burnin-steps',
      path: 'train.schedule.options.burninSteps',
      name: 'burninSteps',
      values: parseScheduleFlag('burnin-steps', '0,4'),
    },
    {
      flag: '--burnin-lr',
      path: 'train.schedule.options.burninLearningRate',
      name: 'burninLearningRate',
      values: parseScheduleFlag('burnin-lr', '0.1x,2e-4'),
    },
  ];
  const g = buildGrid({ base, steps: 12, seeds: 2, evalEvery: 6, threads: 1, axes });

  it('is every combination x seeds, seed-major; burn-in 0 ignores the burn-in rate (run once)', () => {
    // 2 peaks x (1 without burn-in + 2 burn-in rates) x 2 seeds
    expect(g.cells).toHaveLength(12);
    expect(g.cells.slice(0, 6).every((c) => c.seed === 0)).toBe(true);
    expect(g.cells.slice(0, 6).map((c) => c.id)).toEqual([
      'learningRateBase-1e-3_burninSteps-0_seed0',
      'learningRateBase-1e-3_burninSteps-4_burninLearningRate-0.1x_seed0',
      'learningRateBase-1e-3_burninSteps-4_burninLearningRate-2e-4_seed0',
      'learningRateBase-4e-3_burninSteps-0_seed0',
      'learningRateBase-4e-3_burninSteps-4_burninLearningRate-0.1x_seed0',
      'learningRateBase-4e-3_burninSteps-4_burninLearningRate-2e-4_seed0',
    ]);
    expect(new Set(g.cells.map((c) => c.id)).size).toBe(12);
  });

  it("sets the schedule's options (0.1x of the cell's peak), seed, steps, evalEvery, threads", () => {
    const c = g.cells.find(
      (x) => x.id === 'learningRateBase-4e-3_burninSteps-4_burninLearningRate-0.1x_seed0',
    );
    const opts = c?.config.train.schedule as { type: string; options: Record<string, number> };
    expect(opts.type).toBe('tfod.exponentialDecayWithBurnin');
    expect(opts.options).toMatchObject({
      learningRateBase: 4e-3,
      burninSteps: 4,
      burninLearningRate: 4e-4,
    });
    expect(c?.params).toEqual({ learningRateBase: 4e-3, burninSteps: 4, burninLearningRate: 4e-4 });
    expect(c?.config).toMatchObject({ seed: 0, train: { steps: 12, evalEvery: 6, threads: 1 } });
    const none = g.cells.find((x) => x.id === 'learningRateBase-4e-3_burninSteps-0_seed1');
    expect(none?.labels).toEqual({
      learningRateBase: '4e-3',
      burninSteps: '0',
      burninLearningRate: '-',
    });
    expect(none?.config.seed).toBe(1);
  });
});
