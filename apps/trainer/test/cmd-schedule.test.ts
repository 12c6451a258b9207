import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asciiPlot,
  exponentialDecayWithBurnin,
  keras,
  type Schedule,
  svgPlot,
  tfod,
  toJSON,
  toKerasConfig,
} from '@burnin/schedules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduleCommand } from '../src/commands/schedule.js';
import { captureIo } from './cli-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burnin-schedule-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const burnin = exponentialDecayWithBurnin({
  learningRateBase: 0.1,
  learningRateDecaySteps: 100,
  learningRateDecayFactor: 0.5,
  burninLearningRate: 0.01,
  burninSteps: 50,
});
const kerasExp = keras.exponentialDecay({
  initialLearningRate: 0.2,
  decaySteps: 50,
  decayRate: 0.7,
});
const cosine = tfod.cosineDecayWithWarmup({
  learningRateBase: 0.04,
  totalSteps: 600,
  warmupLearningRate: 0.01,
  warmupSteps: 60,
});

const PIPELINE = `model { ssd { num_classes: 3 } }
train_config {
  batch_size: 8
  num_steps: 400
  optimizer {
    momentum_optimizer {
      learning_rate {
        exponential_decay_learning_rate {
          initial_learning_rate: 0.1
          decay_steps: 100
          decay_factor: 0.5
          burnin_learning_rate: 0.01
          burnin_steps: 50
        }
      }
      momentum_optimizer_value: 0.9
    }
  }
}
`;

const LR_BLOCK = `learning_rate {
  cosine_decay_learning_rate {
    learning_rate_base: 0.04
    total_steps: 600
    warmup_learning_rate: 0.01
    warmup_steps: 60
  }
}
`;

describe('burnin schedule: every input kind', () => {
  const cases: {
    kind: string;
    arg: () => Promise<string>;
    expected: Schedule;
    steps: number;
    extra?: string[];
  }[] = [
    {
      kind: 'spec',
      arg: () => file('spec.json', JSON.stringify(toJSON(burnin))),
      expected: burnin,
      steps: 1000,
    },
    {
      kind: 'spec',
      arg: async () => JSON.stringify(toJSON(burnin)),
      expected: burnin,
      steps: 250,
      extra: ['--steps', '250'],
    },
    {
      kind: 'keras',
      arg: () => file('keras.json', JSON.stringify(toKerasConfig(kerasExp))),
      expected: kerasExp,
      steps: 1000,
    },
    {
      kind: 'pipeline',
      arg: () => file('pipeline.config', PIPELINE),
      expected: burnin,
      steps: 400,
    },
    { kind: 'learning_rate', arg: () => file('lr.pbtxt', LR_BLOCK), expected: cosine, steps: 1000 },
    {
      kind: 'run-config',
      arg: () =>
        file(
          'run.yaml',
          `# run config\nsteps: 300\nschedule:\n  type: ${toJSON(cosine).type}\n  options:\n${Object.entries(
            toJSON(cosine).options,
          )
            .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
            .join('\n')}\n`,
        ),
      expected: cosine,
      steps: 300,
    },
    {
      kind: 'run-config',
      arg: () =>
        file(
          'run.json',
          JSON.stringify({ train: { steps: 200 }, schedule: toKerasConfig(kerasExp) }),
        ),
      expected: kerasExp,
      steps: 200,
    },
    {
      kind: 'run-config',
      arg: () => file('run-pbtxt.yaml', `schedule: |\n${LR_BLOCK.replace(/^/gm, '  ')}`),
      expected: cosine,
      steps: 1000,
    },
  ];

  cases.forEach((c, i) => {
    it(`${c.kind} #${i}: exits 0, prints the ASCII plot, writes the SVG of the same schedule`, async () => {
      const svg = join(dir, `out-${i}.svg`);
      const io = captureIo();
      const code = await runScheduleCommand([await c.arg(), '--svg', svg, ...(c.extra ?? [])], io);
      expect(io.err).toBe('');
      expect(code).toBe(0);
      expect(io.out).toContain(`(${c.kind}), steps 0..${c.steps}`);
      expect(io.out).toContain(asciiPlot(c.expected, { steps: c.steps }));
      expect(io.out).toContain(`wrote ${svg}`);
      const text = readFileSync(svg, 'utf8');
      expect(text.trimStart().startsWith('<svg') || text.trimStart().startsWith('<?xml')).toBe(
        true,
      );
      expect(text).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(text.trimEnd().endsWith('</svg>')).toBe(true);
      expect(text).toBe(svgPlot(c.expected, { steps: c.steps }));
    });
  });

  it('passes --width and --height to the ASCII plot and defaults the SVG to schedule.svg', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const io = captureIo();
      const spec = JSON.stringify(toJSON(burnin));
      expect(
        await runScheduleCommand([spec, '--width', '40', '--height', '6', '--steps', '300'], io),
      ).toBe(0);
      expect(io.out).toContain(asciiPlot(burnin, { steps: 300, width: 40, height: 6 }));
      expect(existsSync(join(dir, 'schedule.svg'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('burnin schedule: bad input', () => {
  async function fails(argv: string[], code: number, ...patterns: (string | RegExp)[]) {
    const io = captureIo();
    expect(await runScheduleCommand(argv, io)).toBe(code);
    expect(io.out).toBe('');
    for (const p of patterns) {
      if (typeof p === 'string') expect(io.err).toContain(p);
      else expect(io.err).toMatch(p);
    }
  }

  it('missing file: exit 1 naming it', async () => {
    const path = join(dir, 'nope.json');
    await fails([path, '--svg', join(dir, 'x.svg')], 1, `${path}: file not found`);
    expect(existsSync(join(dir, 'x.svg'))).toBe(false);
  });

  it('invalid JSON, bad option, bad pbtxt, unknown object: exit 1 naming the file', async () => {
    const svg = ['--svg', join(dir, 'bad.svg')];
    const notJson = await file('broken.json', '{"type": "constant", ');
    await fails([notJson, ...svg], 1, `${notJson}: not valid JSON`);
    const badOpt = await file(
      'bad-opt.json',
      JSON.stringify({
        ...toJSON(burnin),
        options: { ...toJSON(burnin).options, learningRateDecaySteps: -5 },
      }),
    );
    await fails([badOpt, ...svg], 1, badOpt, /learningRateDecaySteps/, /-5/);
    const badPb = await file('bad.config', 'learning_rate { bogus_learning_rate { } }');
    await fails([badPb, ...svg], 1, badPb, /line 1/, /bogus_learning_rate/);
    const other = await file('other.yaml', 'model: tiny\nlr: 0.1\n');
    await fails([other, ...svg], 1, other, /run config with a "schedule" field/);
    const badKeras = await file(
      'bad-keras.json',
      JSON.stringify({ class_name: 'NoSuchDecay', config: {} }),
    );
    await fails([badKeras, ...svg], 1, badKeras, /NoSuchDecay/);
    expect(existsSync(join(dir, 'bad.svg'))).toBe(false);
  });

  it('unwritable SVG path: exit 1 naming it', async () => {
    const svg = join(dir, 'no-such-dir', 'out.svg');
    await fails([JSON.stringify(toJSON(burnin)), '--svg', svg], 1, svg);
  });

  it('bad command line: exit 2 with usage', async () => {
    const spec = JSON.stringify(toJSON(burnin));
    await fails([], 2, /Usage: burnin schedule/);
    await fails([spec, spec], 2, /one <spec-or-config>/);
    await fails([spec, '--steps', '0'], 2, /--steps must be an integer/);
    await fails([spec, '--steps', 'ten'], 2, /--steps/);
    await fails([spec, '--width', '3'], 2, /--width/);
    await fails([spec, '--bogus'], 2, /bogus/);
  });
});
