import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asciiPlot, fromKerasConfig } from '@burnin/schedules';
import { describe, expect, it } from 'vitest';
import { runScheduleCommand } from '../src/commands/schedule.js';
import { defaultSchedule } from '../src/config.js';
import { captureIo } from './cli-helpers.js';
import { tempRoot } from './helpers.js';

const dir = tempRoot('cfgsched').dir;

describe('F19: burnin schedule on the trainer own run config', () => {
  const keras = {
    class_name: 'CosineDecay',
    config: { initial_learning_rate: 0.02, decay_steps: 300 },
  };

  it('reads train.schedule and train.steps (a config `burnin train` accepts)', async () => {
    const f = join(dir, 'run.yaml');
    writeFileSync(
      f,
      `seed: 1\ndata: { imageSize: 64 }\ntrain:\n  steps: 300\n  batchSize: 4\n  schedule: ${JSON.stringify(keras)}\n`,
    );
    const io = captureIo();
    const code = await runScheduleCommand([f, '--svg', join(dir, 'a.svg')], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toContain('keras.cosineDecay (run-config), steps 0..300');
    expect(io.out).toContain(asciiPlot(fromKerasConfig(keras), { steps: 300 }).trimEnd());
  });

  it('without train.schedule it plots the default schedule for train.steps', async () => {
    const f = join(dir, 'default.yaml');
    writeFileSync(f, 'train:\n  steps: 400\n');
    const io = captureIo();
    expect(await runScheduleCommand([f, '--svg', join(dir, 'b.svg')], io)).toBe(0);
    expect(io.out).toContain('tfod.exponentialDecayWithBurnin (run-config), steps 0..400');
    expect(io.out).toContain(asciiPlot(defaultSchedule(400), { steps: 400 }).trimEnd());
  });

  it('a bad train.schedule exits 1 naming the file and the field', async () => {
    const f = join(dir, 'neg.yaml');
    writeFileSync(f, 'train:\n  schedule: { type: constant, options: { value: -1 } }\n');
    const io = captureIo();
    expect(await runScheduleCommand([f, '--svg', join(dir, 'c.svg')], io)).toBe(1);
    expect(io.err).toMatch(
      /neg\.yaml: invalid config at 'train\.schedule': the learning rate is -1 at step 0/,
    );
  });
});
