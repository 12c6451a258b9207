import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig } from '@burnin/schedules';
import { describe, expect, it } from 'vitest';
import {
  buildSchedule,
  ConfigError,
  PRESETS,
  resolveConfig,
  validateConfig,
} from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'burnin-cfg-'));

const PIPELINE = `
model { center_net { num_classes: 3 } }
train_config {
  batch_size: 4
  num_steps: 12
  optimizer {
    momentum_optimizer {
      learning_rate {
        exponential_decay_learning_rate {
          initial_learning_rate: 0.004
          decay_steps: 5
          decay_factor: 0.5
        }
      }
      momentum_optimizer_value: 0.8
    }
  }
}`;

describe('config', () => {
  it('every preset validates', () => {
    for (const name of Object.keys(PRESETS)) expect(resolveConfig({ preset: name })).toBeTruthy();
  });

  it('YAML files merge over the preset; unknown keys are refused with their path', () => {
    const f = join(dir, 'a.yaml');
    writeFileSync(f, 'seed: 7\ntrain:\n  steps: 5\n  batchSize: 2\n');
    const c = resolveConfig({ preset: 'smoke', configFile: f });
    expect(c.seed).toBe(7);
    expect(c.train.steps).toBe(5);
    expect(c.data.imageSize).toBe(32);
    writeFileSync(f, 'train:\n  stepz: 5\n');
    expect(() => resolveConfig({ configFile: f })).toThrow(/invalid config at 'train'.*stepz/);
    writeFileSync(f, '{"data": {"kind": "pascal"}}');
    expect(() => resolveConfig({ configFile: f })).toThrow(/'data\.kind'/);
    expect(() => resolveConfig({ configFile: join(dir, 'missing.yaml') })).toThrow(
      /cannot read config file/,
    );
  });

  it('takes the schedule as a JSON spec, a Keras config or a TF OD learning_rate block', () => {
    const json = validateConfig({
      train: { schedule: { type: 'constant', options: { value: 0.01 } } },
    });
    expect(buildSchedule(json)(123)).toBe(0.01);
    const keras = validateConfig({
      train: {
        schedule: {
          class_name: 'ExponentialDecay',
          config: {
            initial_learning_rate: 0.1,
            decay_steps: 10,
            decay_rate: 0.5,
            staircase: false,
          },
        },
      },
    });
    // Keras: 0.1 * 0.5^(step / 10)
    expect(buildSchedule(keras)(10)).toBeCloseTo(0.05, 7);
    expect(buildSchedule(keras)(5)).toBeCloseTo(0.1 * 0.5 ** 0.5, 7);
    const tfod = validateConfig({
      train: {
        schedule: 'learning_rate { constant_learning_rate { learning_rate: 0.003 } }',
      },
    });
    expect(buildSchedule(tfod)(50)).toBeCloseTo(0.003, 9);
    const bad = validateConfig({ train: { schedule: { type: 'no-such-schedule' } } });
    expect(() => buildSchedule(bad)).toThrow(ConfigError);
    expect(() => buildSchedule(bad)).toThrow(/'train\.schedule'/);
  });

  it('--pipeline-config supplies the schedule, batch size, num_steps and optimizer', () => {
    const c = resolveConfig({
      preset: 'smoke',
      pipelineConfigText: PIPELINE,
      pipelineConfigFile: 'p.config',
    });
    expect(c.train.batchSize).toBe(4);
    expect(c.train.steps).toBe(12);
    expect(c.train.optimizer).toBe('momentum');
    expect(c.train.momentum).toBeCloseTo(0.8, 7);
    const s = buildSchedule(c);
    const ref = parsePipelineConfig(PIPELINE).learningRate;
    for (const step of [0, 4, 5, 11]) expect(s(step)).toBe(ref(step));
    expect(s(5)).toBeCloseTo(0.002, 9); // staircase: 0.004 * 0.5^floor(5/5)
  });
});
