import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fromJSON, fromKerasConfig } from '@burnin/schedules';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import {
  buildSchedule,
  ConfigError,
  configSchema,
  defaultSchedule,
  estimateTrainingBytes,
  MAX_LEARNING_RATE,
  MAX_TRAINING_BYTES,
  resolveConfig,
  scheduleFromConfigFile,
  scheduleFromRunConfig,
  validateConfig,
} from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'burnin-cfgval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(1);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** Runs the CLI, capturing console output. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const info = vi.spyOn(console, 'info').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    info.mockRestore();
    error.mockRestore();
  }
}

let n = 0;
/** Writes a config file and runs `burnin train` on it; asserts that nothing was written. */
async function trainRefused(
  config: string,
  extra: string[] = [],
): Promise<{ code: number; err: string }> {
  const f = join(dir, `c${++n}.yaml`);
  writeFileSync(f, config);
  const out = join(dir, `run${n}`);
  const r = await cli(['train', '--config', f, '--out', out, '--backend', 'cpu', ...extra]);
  expect(existsSync(out), `${out} must not exist`).toBe(false);
  expect(r.out).toBe('');
  return r;
}

describe('F15: absurd sizes are refused up front with the field and a sane range', () => {
  const cases: [unknown, string, RegExp][] = [
    [
      { data: { imageSize: 1048576 } },
      'data.imageSize',
      /32\.\.2048, a multiple of 16, got 1048576/,
    ],
    [{ data: { trainSize: 1e15 } }, 'data.trainSize', /1\.\.10000000, got 1000000000000000/],
    [{ data: { valSize: 1e8 } }, 'data.valSize', /1\.\.100000, got 100000000/],
    [{ model: { widths: [100000, 100000, 100000] } }, 'model.widths.0', /1\.\.1024, got 100000/],
    [{ model: { headWidth: 100000 } }, 'model.headWidth', /1\.\.1024/],
    [{ train: { steps: 1e308 } }, 'train.steps', /1\.\.10000000, got 1e\+308/],
    [{ seed: 2 ** 40 }, 'seed', /0\.\.4294967295/],
    [
      { train: { lossWeights: { heatmap: Infinity, box: 1 } } },
      'train.lossWeights.heatmap',
      /0\.\.1000/,
    ],
  ];
  for (const [input, path, message] of cases) {
    it(`${path}: ${JSON.stringify(input)}`, () => {
      const e = configError(() => validateConfig(input));
      expect(e.path).toBe(path);
      expect(e.message).toContain(`invalid config at '${path}'`);
      expect(e.message).toMatch(message);
    });
  }

  it('a combination too large for memory is refused with an estimate in GiB', () => {
    const e = configError(() => validateConfig({ data: { imageSize: 2048 } }));
    expect(e.path).toBe('data.imageSize');
    expect(e.message).toMatch(/about 25\.\d GiB .*at most 16\.0 GiB/);
    const w = configError(() =>
      validateConfig({
        data: { imageSize: 128 },
        train: { batchSize: 128 },
        model: { widths: [1024, 1024, 1024], headWidth: 1024 },
      }),
    );
    expect(w.path).toBe('model.widths');
    // the estimate grows with the batch and the image area; presets are far below the limit
    const at = (o: unknown) => estimateTrainingBytes(configSchema.parse(o));
    expect(at({ train: { batchSize: 32 } })).toBeGreaterThan(
      1.9 * at({ train: { batchSize: 16 } }),
    );
    expect(at({ data: { imageSize: 256 } })).toBeGreaterThan(3.9 * at({}));
    for (const p of ['default', 'smoke', 'compare', 'demo'])
      expect(estimateTrainingBytes(resolveConfig({ preset: p }))).toBeLessThan(
        MAX_TRAINING_BYTES / 100,
      );
  });

  it('burnin train refuses them with one line and exit 1 before creating --out', async () => {
    for (const cfg of [
      'data:\n  imageSize: 1048576\n',
      'data:\n  trainSize: 1.0e15\n',
      'model:\n  widths: [100000, 100000, 100000]\n',
      'data:\n  valSize: 100000000\n',
      'train:\n  steps: 1.0e308\n',
      'data:\n  imageSize: 2048\ntrain:\n  batchSize: 256\n',
    ]) {
      const r = await trainRefused(cfg);
      expect(r.code, cfg).toBe(1);
      expect(r.err, cfg).toMatch(/^error: .*invalid config at '/);
      expect(r.err.split('\n'), cfg).toHaveLength(1);
    }
  });
});

describe('F16: a negative learning rate is refused at train.schedule before anything is written', () => {
  it('JSON spec, Keras config and TF OD learning_rate block name the field and the option', () => {
    const json = configError(() =>
      buildSchedule(
        validateConfig({ train: { schedule: { type: 'constant', options: { value: -0.1 } } } }),
      ),
    );
    expect(json.path).toBe('train.schedule');
    expect(json.message).toMatch(
      /^invalid config at 'train\.schedule': the learning rate is -0\.1 at step 0 \(constant, option value = -0\.1\); it must be >= 0/,
    );
    const keras = configError(() =>
      buildSchedule(
        validateConfig({
          train: {
            schedule: {
              class_name: 'ExponentialDecay',
              config: { initial_learning_rate: -0.01, decay_steps: 10, decay_rate: 0.9 },
            },
          },
        }),
      ),
    );
    expect(keras.message).toMatch(/'train\.schedule'.*initialLearningRate = -0\.01/);
    // negative only later: a cosine from 0.1 to -0.1 crosses 0 half way
    const later = configError(() =>
      buildSchedule(
        validateConfig({
          train: {
            steps: 100,
            schedule: { type: 'cosine', options: { from: 0.1, to: -0.1, steps: 100 } },
          },
        }),
      ),
    );
    expect(later.message).toMatch(/at step 5\d /);
  });

  it('burnin train with a negative rate in a config file or a pipeline.config: exit 1, no --out', async () => {
    const r = await trainRefused(
      'train:\n  schedule:\n    class_name: ExponentialDecay\n    config: { initial_learning_rate: -0.1, decay_steps: 10, decay_rate: 0.9 }\n',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*c\d+\.yaml: invalid config at 'train\.schedule'/);
    const p = join(dir, 'neg.config');
    writeFileSync(
      p,
      'train_config { batch_size: 2 num_steps: 4 optimizer { momentum_optimizer { learning_rate { exponential_decay_learning_rate { initial_learning_rate: -1 } } } } }',
    );
    const r2 = await trainRefused('seed: 1\n', ['--preset', 'smoke', '--pipeline-config', p]);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(
      /neg\.config: invalid config at 'train\.schedule': the learning rate is 0 at every step 0\.\.3 \(tfod\.exponentialDecayWithBurnin, negative option learningRateBase = -1\)/,
    );
  });
});

describe('F17: surely-a-mistake values are refused', () => {
  const schedule = (s: unknown) => () => buildSchedule(validateConfig({ train: { schedule: s } }));

  it(`a learning rate above MAX_LEARNING_RATE (${MAX_LEARNING_RATE}) at any step`, () => {
    const e = configError(schedule({ type: 'constant', options: { value: 1e30 } }));
    expect(e.message).toMatch(
      /learning rate is 1e\+30 at step 0 \(constant, option value = 1e\+30\); at most 10/,
    );
    // growth to 1e30 (and float64 overflow) is caught at the step where it happens
    const grow = configError(
      schedule({ type: 'exponential', options: { from: 0.01, rate: 10, steps: 1 } }),
    );
    expect(grow.message).toMatch(/learning rate is 10\.0+\d* at step 3 /);
    expect(
      buildSchedule(
        validateConfig({ train: { schedule: { type: 'constant', options: { value: 10 } } } }),
      )(0),
    ).toBe(10);
  });

  it('a learning rate that is 0 at every step', () => {
    expect(configError(schedule({ type: 'constant', options: { value: 0 } })).message).toMatch(
      /0 at every step 0\.\.999 \(constant\): nothing would train/,
    );
  });

  it('both loss weights 0', () => {
    const e = configError(() => validateConfig({ train: { lossWeights: { heatmap: 0, box: 0 } } }));
    expect(e.path).toBe('train.lossWeights');
    expect(e.message).toMatch(/both 0/);
    expect(
      validateConfig({ train: { lossWeights: { heatmap: 0, box: 1 } } }).train.lossWeights.box,
    ).toBe(1);
  });

  const pipeline = (train: string) =>
    `train_config {\n  ${train}\n  optimizer { adam_optimizer { learning_rate { constant_learning_rate { learning_rate: 0.001 } } } }\n}\n`;
  const fromPipeline = (text: string) => () =>
    resolveConfig({ preset: 'smoke', pipelineConfigText: text, pipelineConfigFile: 'p.config' });

  it('TF OD initial_learning_rate -1, batch_size 0, num_steps 0, a duplicate train_config', () => {
    const lr = configError(
      fromPipeline(
        'optimizer { momentum_optimizer { learning_rate { exponential_decay_learning_rate { initial_learning_rate: -1 } } } }',
      ),
    );
    expect(lr.path).toBe('train.schedule');
    expect(lr.message).toMatch(
      /^p\.config: invalid config at 'train\.schedule'.*learningRateBase = -1/,
    );
    const neg = configError(
      fromPipeline(
        'optimizer { adam_optimizer { learning_rate { constant_learning_rate { learning_rate: -0.5 } } } }',
      ),
    );
    expect(neg.message).toMatch(
      /learning rate is -0\.5 at step 0 \(constant, option value = -0\.5\)/,
    );
    const b = configError(fromPipeline(pipeline('batch_size: 0 num_steps: 5')));
    expect(b.path).toBe('train.batchSize');
    expect(b.message).toMatch(
      /^p\.config: .*train_config\.batch_size must be an integer 1\.\.256, got 0/,
    );
    expect(configError(fromPipeline(pipeline('batch_size: 1000 num_steps: 5'))).path).toBe(
      'train.batchSize',
    );
    const s = configError(fromPipeline(pipeline('batch_size: 2 num_steps: 0')));
    expect(s.path).toBe('train.steps');
    expect(s.message).toMatch(/num_steps is 0 .*train forever/);
    const big = configError(fromPipeline(pipeline('batch_size: 2 num_steps: 4000000000')));
    expect(big.message).toMatch(/num_steps must be an integer 1\.\.10000000/);
    const dup = configError(
      fromPipeline(
        `${pipeline('batch_size: 2 num_steps: 5')}train_config {\n  batch_size: 64\n}\n`,
      ),
    );
    expect(dup.message).toMatch(/^p\.config: line 5.*train_config.*twice/);
    // a valid one still works
    expect(
      resolveConfig({ preset: 'smoke', pipelineConfigText: pipeline('batch_size: 2 num_steps: 5') })
        .train,
    ).toMatchObject({
      batchSize: 2,
      steps: 5,
      optimizer: 'adam',
    });
  });
});

describe('F19: the schedule of a trainer run config', () => {
  it('scheduleFromConfigFile reads train.schedule and train.steps', () => {
    const f = join(dir, 'run.yaml');
    const spec = {
      class_name: 'CosineDecay',
      config: { initial_learning_rate: 0.02, decay_steps: 300 },
    };
    writeFileSync(f, `seed: 3\ntrain:\n  steps: 300\n  schedule: ${JSON.stringify(spec)}\n`);
    const { schedule, steps } = scheduleFromConfigFile(f);
    expect(steps).toBe(300);
    const want = fromKerasConfig(spec);
    for (const s of [0, 1, 150, 299]) expect(schedule(s)).toBe(want(s));
    expect(schedule.spec.type).toBe('keras.cosineDecay');
  });

  it('without train.schedule it is the default schedule train would use', () => {
    const { schedule, steps } = scheduleFromRunConfig({ train: { steps: 400 } });
    expect(steps).toBe(400);
    const want = defaultSchedule(400);
    for (const s of [0, 19, 20, 399]) expect(schedule(s)).toBe(want(s));
    expect(scheduleFromRunConfig({}).steps).toBe(1000);
  });

  it('a bad train.schedule is a ConfigError naming the file and the field', () => {
    const f = join(dir, 'bad-run.yaml');
    writeFileSync(f, 'train:\n  schedule: { type: constant, options: { value: -2 } }\n');
    const e = configError(() => scheduleFromConfigFile(f));
    expect(e.message).toMatch(/bad-run\.yaml: invalid config at 'train\.schedule'/);
    const s = fromJSON({ type: 'constant', options: { value: 0.5 } });
    expect(scheduleFromRunConfig({ train: { schedule: s.spec } }).schedule(7)).toBe(0.5);
  });
});

describe('also seen', () => {
  it('relative COCO paths in a config file resolve against the file, not the current folder', () => {
    const sub = join(dir, 'project', 'configs');
    mkdirSync(sub, { recursive: true });
    const f = join(sub, 'coco.yaml');
    writeFileSync(
      f,
      [
        'data:',
        '  kind: coco',
        '  train: { annotations: ../data/train.json, images: ../data/train }',
        `  val: { annotations: ${resolve('/abs/val.json')}, images: val-images }`,
      ].join('\n'),
    );
    const c = resolveConfig({ configFile: f });
    expect(c.data.train).toEqual({
      annotations: join(dir, 'project', 'data', 'train.json'),
      images: join(dir, 'project', 'data', 'train'),
    });
    expect(c.data.val).toEqual({
      annotations: resolve('/abs/val.json'),
      images: join(sub, 'val-images'),
    });
  });

  it('--preset bogus is a usage error: exit 2', async () => {
    let err: unknown;
    try {
      resolveConfig({ preset: 'bogus' });
    } catch (e) {
      err = e;
    }
    expect((err as { exitCode?: number }).exitCode).toBe(2);
    expect((err as Error).message).toMatch(
      /unknown preset 'bogus' \(allowed: default, smoke, compare, demo\)/,
    );
    expect(() => resolveConfig({ preset: 'toString' })).toThrow(/unknown preset 'toString'/);
    const out = join(dir, 'bogus-run');
    const r = await cli(['train', '--preset', 'bogus', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown preset 'bogus'/);
    expect(existsSync(out)).toBe(false);
  });
});
