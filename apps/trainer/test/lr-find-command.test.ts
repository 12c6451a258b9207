import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { selectBackend } from '../src/backend.js';
import { usageOf } from '../src/commands/table.js';
import { buildSchedule, resolveConfig, validateConfig } from '../src/config.js';
import { rampLearningRate } from '../src/lrfind/ramp.js';
import type { LrFindFile } from '../src/lrfind/result.js';
import { runLrFind } from '../src/lrfind/run.js';
import { createLossSmoother } from '../src/lrfind/smooth.js';
import * as tf from '../src/tf.js';
import { runCli } from './cli-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'burnin-lr-find-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await selectBackend('cpu', () => {});
});

const readResult = (out: string) =>
  JSON.parse(readFileSync(join(out, 'lr-find.json'), 'utf8')) as LrFindFile;

describe('burnin lr-find --help', () => {
  it('prints its usage on stdout, exit 0, documenting every option and the rules', async () => {
    const usage = usageOf('lr-find');
    for (const argv of [
      ['lr-find', '--help'],
      ['help', 'lr-find'],
      ['lr-find', '-h'],
    ])
      expect(await runCli(argv)).toEqual({ code: 0, out: usage, err: '' });
    for (const flag of [
      '--start',
      '--end',
      '--steps',
      '--preset',
      '--config',
      '--out',
      '--apply',
      '--backend',
      '--threads',
    ])
      expect(usage).toContain(flag);
    expect(usage).toMatch(/20\.\.10000/);
    expect(usage).toMatch(/beta 0\.98/);
    expect(usage).toMatch(/4x its best/);
    expect(usage).toMatch(/first 10 points and the last one/);
  });
});

describe('burnin lr-find refuses bad input', () => {
  it('a bad flag value exits 2 naming the flag and the allowed range; nothing is written', async () => {
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['--start', '0'], /--start must be a number in \(0, 10\]/],
      [['--start', '-1e-3'], /--start must be/],
      [['--start', 'abc'], /--start must be .*got 'abc'/],
      [['--start', ''], /--start must be/],
      [['--start', 'NaN'], /--start must be/],
      [['--end', 'Infinity'], /--end must be a number in \(0, 10\]/],
      [['--end', '20'], /--end must be .*got '20'/],
      [['--start', '0.1', '--end', '0.01'], /--start \(0\.1\) must be below --end \(0\.01\)/],
      [['--start', '0.1', '--end', '0.1'], /must be below --end/],
      [['--steps', '19'], /--steps must be an integer 20\.\.10000, got '19'/],
      [['--steps', '10001'], /--steps must be an integer 20\.\.10000/],
      [['--steps', '50.5'], /--steps must be an integer/],
      [['--steps', '1e2'], /--steps must be an integer/],
      [['--threads', '0'], /--threads must be an integer 1\.\.256 or 'auto'/],
      [['--backend', 'gpu'], /--backend must be one of/],
      [['--preset', 'smok'], /unknown preset 'smok'/],
      [['--bogus'], /unknown option --bogus/],
      [['--apply=yes'], /--apply takes no value/],
      [['extra'], /unexpected argument 'extra'/],
      [['--out'], /--out needs a value/],
    ];
    for (const [args, message] of cases) {
      const argv = ['lr-find', ...args, ...(args.includes('--out') ? [] : ['--out', out])];
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(/^error: /);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.out, argv.join(' ')).toBe('');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('a bad config field exits 1 naming the field; nothing is written', async () => {
    const cfgFile = join(dir, 'bad.yaml');
    writeFileSync(cfgFile, 'train:\n  batchSize: 0\n');
    const out = join(dir, 'bad-config');
    const r = await runCli(['lr-find', '--config', cfgFile, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/train\.batchSize/);
    expect(existsSync(out)).toBe(false);
  });

  it('never writes into a run folder; its checkpoint stays byte for byte', async () => {
    const run = join(dir, 'a-run');
    mkdirSync(join(run, 'checkpoints'), { recursive: true });
    const ckpt = join(run, 'checkpoints', 'latest.ckpt');
    writeFileSync(ckpt, 'BURNCKP2 not really');
    writeFileSync(join(run, 'config.resolved.json'), '{}');
    const r = await runCli(['lr-find', '--preset', 'smoke', '--backend', 'cpu', '--out', run]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds a training run \(config\.resolved\.json, checkpoints\)/);
    expect(readFileSync(ckpt, 'utf8')).toBe('BURNCKP2 not really');
    expect(existsSync(join(run, 'lr-find.json'))).toBe(false);
  });
});

describe('burnin lr-find on the smoke preset (cpu)', () => {
  const out = join(dir, 'smoke');
  let r: { code: number; out: string; err: string };
  let f: LrFindFile;
  beforeAll(async () => {
    r = await runCli([
      'lr-find',
      '--preset',
      'smoke',
      '--backend',
      'cpu',
      '--threads',
      '1',
      '--steps',
      '30',
      '--start',
      '1e-5',
      '--end',
      '0.1',
      '--out',
      out,
      '--apply',
    ]);
    f = readResult(out);
  }, 300_000); // a CLI run: beyond the default 10 s hook time-out on a loaded machine

  it('exits 0 and writes lr-find.json with the ramp, the losses and their EMA', () => {
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(f.start).toBe(1e-5);
    expect(f.end).toBe(0.1);
    expect(f.steps).toBe(30);
    expect(f.config).toEqual(resolveConfig({ preset: 'smoke' }));
    expect(f.points.length).toBe(f.stoppedAt === null ? 30 : f.stoppedAt + 1);
    expect(f.points.length).toBeGreaterThan(12);
    const smooth = createLossSmoother(0.98);
    f.points.forEach((p, i) => {
      expect(p.step).toBe(i);
      expect(p.lr).toBe(rampLearningRate(i, 1e-5, 0.1, 30));
      expect(p.loss).toBeGreaterThan(0);
      expect(p.smoothed).toBeCloseTo(smooth(p.loss as number), 10);
    });
    if (f.stoppedAt === null) expect(f.points[29].lr).toBeCloseTo(0.1, 12);
    // the suggestion is one of the points, never among the 10 skipped ones or the last
    expect(f.suggestedLr).not.toBeNull();
    expect(f.suggestedStep).toBeGreaterThanOrEqual(10);
    expect(f.suggestedStep).toBeLessThan(f.points.length - 1);
    expect(f.suggestedLr).toBe(f.points[f.suggestedStep as number].lr);
  });

  it('the same seed and config give the same losses (the model is a fresh copy each time)', async () => {
    const again = await runLrFind({
      config: f.config,
      start: 1e-5,
      end: 0.1,
      steps: 30,
      threads: 1,
    });
    expect(again.points.map((p) => p.loss)).toEqual(f.points.map((p) => p.loss));
  });

  it('writes an offline lr-find.html with the log-x chart and prints a working --apply block', () => {
    const html = readFileSync(join(out, 'lr-find.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('learning rate (log scale)');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(r.out).toContain(`wrote ${join(out, 'lr-find.json')}, ${join(out, 'lr-find.html')}`);
    const lr = f.suggestedLr as number;
    expect(r.out).toContain(`suggested learning rate: ${lr.toPrecision(3)}`);
    const yaml = r.out.slice(r.out.indexOf('\ntrain:') + 1);
    const parsed = YAML.parse(yaml);
    const s = buildSchedule(validateConfig({ train: { steps: 16, ...parsed.train } }));
    expect(parsed.train.schedule.options.learningRateBase).toBe(Number(lr.toPrecision(3)));
    expect(s(0)).toBeCloseTo(parsed.train.schedule.options.burninLearningRate, 12);
  });

  it('refuses to overwrite an earlier lr-find.json (exit 1), leaving it as it was', async () => {
    const before = readFileSync(join(out, 'lr-find.json'), 'utf8');
    const again = await runCli(['lr-find', '--preset', 'smoke', '--backend', 'cpu', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds lr-find\.json/);
    expect(readFileSync(join(out, 'lr-find.json'), 'utf8')).toBe(before);
  });
});

describe('lr-find stops at divergence and leaks no tensor', () => {
  it('SGD ramped to 10 diverges: stops early (diverged or non-finite), exit 0, no tensor left', async () => {
    const cfgFile = join(dir, 'sgd.yaml');
    writeFileSync(cfgFile, 'train:\n  optimizer: sgd\n');
    const out = join(dir, 'diverge');
    const before = tf.memory().numTensors;
    const r = await runCli([
      'lr-find',
      '--preset',
      'smoke',
      '--config',
      cfgFile,
      '--backend',
      'cpu',
      '--threads',
      '1',
      '--start',
      '1e-3',
      '--end',
      '10',
      '--steps',
      '100',
      '--out',
      out,
    ]);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.code).toBe(0);
    const f = readResult(out);
    expect(['diverged', 'non-finite']).toContain(f.reason);
    expect(f.stoppedAt).not.toBeNull();
    expect(f.stoppedAt).toBeLessThan(99);
    expect(f.points.length).toBe((f.stoppedAt as number) + 1);
    const last = f.points[f.points.length - 1];
    if (f.reason === 'non-finite') expect(last.loss).toBeNull();
    else {
      const best = Math.min(...f.points.map((p) => p.smoothed as number));
      expect(last.smoothed).toBeGreaterThan(4 * best);
    }
    expect(r.out).toMatch(/stopped: /);
  });

  it('runLrFind disposes its model, optimizer and every step tensor', async () => {
    const config = resolveConfig({ preset: 'smoke' });
    await runLrFind({ config, start: 1e-4, end: 1e-2, steps: 20, threads: 1 }); // warm-up
    const before = tf.memory().numTensors;
    const f = await runLrFind({ config, start: 1e-4, end: 1e-2, steps: 20, threads: 1 });
    expect(f.points.length).toBe(20);
    expect(tf.memory().numTensors).toBe(before);
  });
});
