import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { ConfigError, resolveConfig, validateConfig } from '../src/config.js';
import { createSyntheticDataset } from '../src/data/synthetic.js';
import { buildRunReport } from '../src/report/build.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { DatasetError, readMetrics, train } from '../src/train/train.js';
import { tempRoot } from './helpers.js';

const tmp = tempRoot('train').newDir;
const quiet = () => {};

beforeAll(async () => {
  await selectBackend('wasm', quiet);
});

describe('smoke preset', () => {
  it('trains, the loss falls, and every output file is written and loadable', async () => {
    const out = tmp();
    const config = resolveConfig({ preset: 'smoke' });
    const r = await train({ config, outDir: out, log: quiet });
    expect(r.status).toBe('completed');
    expect(r.step).toBe(config.train.steps);
    const metrics = readMetrics(join(out, 'metrics.jsonl'));
    const tr = metrics.filter((m) => m.type === 'train');
    expect(tr.length).toBe(config.train.steps / config.train.logEvery);
    for (const m of tr) {
      for (const k of ['step', 'epoch', 'lr', 'loss', 'heatmap', 'box', 'imagesPerSec'])
        expect(Number.isFinite(m[k] as number)).toBe(true);
    }
    const first = tr[0].loss as number;
    const last = tr[tr.length - 1].loss as number;
    expect(last).toBeLessThan(first);
    const ev = metrics.filter((m) => m.type === 'eval');
    expect(ev.length).toBe(2);
    expect((ev[0].stats as number[]).length).toBe(12);
    expect(JSON.parse(readFileSync(join(out, 'config.resolved.json'), 'utf8'))).toEqual(config);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('completed');
    expect(summary.final.stats).toHaveLength(12);
    expect(summary.best.stats).toHaveLength(12);
    expect(summary.imagesPerSec).toBeGreaterThan(0);
    const latest = readCheckpoint(join(out, 'checkpoints', 'latest.ckpt'));
    expect(latest.meta.step).toBe(config.train.steps);
    expect(latest.tensors.some((t) => t.name.startsWith('opt/'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'best.ckpt'))).toBe(true);
    const report = readFileSync(await buildRunReport(out, 2), 'utf8');
    expect(report).toContain('<svg');
    expect(report.match(/data:image\/png;base64,/g)).toHaveLength(2);
    expect(report).not.toMatch(/src="http|href="http/);
  });
});

describe('resume', () => {
  it('an interrupted then resumed run ends with the same weights and lr sequence', async () => {
    const config = resolveConfig({ preset: 'smoke' });
    const a = tmp();
    await train({ config, outDir: a, log: quiet });
    const b = tmp();
    const ctl = new AbortController();
    const r1 = await train({
      config,
      outDir: b,
      log: quiet,
      signal: ctl.signal,
      onStep: (s) => {
        if (s === 6) ctl.abort();
      },
    });
    expect(r1.status).toBe('interrupted');
    expect(readCheckpoint(join(b, 'checkpoints', 'latest.ckpt')).meta.step).toBe(6);
    const r2 = await train({ config, outDir: b, log: quiet, resume: true });
    expect(r2.status).toBe('completed');
    const ca = readCheckpoint(join(a, 'checkpoints', 'latest.ckpt'));
    const cb = readCheckpoint(join(b, 'checkpoints', 'latest.ckpt'));
    expect(cb.tensors.map((t) => t.name)).toEqual(ca.tensors.map((t) => t.name));
    ca.tensors.forEach((t, i) => {
      expect(Array.from(cb.tensors[i].data)).toEqual(Array.from(t.data));
    });
    const lrs = (d: string) =>
      readMetrics(join(d, 'metrics.jsonl'))
        .filter((m) => m.type === 'train')
        .map((m) => [m.step, m.lr]);
    expect(lrs(b)).toEqual(lrs(a));
  });
});

describe('resume on the cpu backend', () => {
  it('gives bit-identical final weights', async () => {
    const tf = await import('../src/tf.js');
    await tf.setBackend('cpu');
    try {
      const config = validateConfig({
        ...resolveConfig({ preset: 'smoke' }),
        train: {
          ...resolveConfig({ preset: 'smoke' }).train,
          steps: 4,
          evalEvery: 4,
          checkpointEvery: 2,
        },
      });
      const a = tmp();
      await train({ config, outDir: a, log: quiet });
      const b = tmp();
      const ctl = new AbortController();
      const r1 = await train({
        config,
        outDir: b,
        log: quiet,
        signal: ctl.signal,
        onStep: (s) => {
          if (s === 2) ctl.abort();
        },
      });
      expect(r1.status).toBe('interrupted');
      await train({ config, outDir: b, log: quiet, resume: true });
      const ca = readCheckpoint(join(a, 'checkpoints', 'latest.ckpt'));
      const cb = readCheckpoint(join(b, 'checkpoints', 'latest.ckpt'));
      ca.tensors.forEach((t, i) => {
        expect(cb.tensors[i].name).toBe(t.name);
        expect(Array.from(cb.tensors[i].data)).toEqual(Array.from(t.data));
      });
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('bad input', () => {
  it('an invalid config names the path of the bad field', () => {
    expect(() => validateConfig({ train: { batchSize: -3 } })).toThrow(ConfigError);
    try {
      validateConfig({ train: { batchSize: -3 } });
    } catch (e) {
      expect((e as ConfigError).path).toBe('train.batchSize');
      expect((e as Error).message).toContain("'train.batchSize'");
    }
    expect(() => validateConfig({ model: { widths: [8, 8] } })).toThrow(/model\.widths/);
    expect(() => validateConfig({ data: { imageSize: 100 } })).toThrow(/data\.imageSize/);
    expect(() => resolveConfig({ preset: 'nope' })).toThrow(/unknown preset 'nope'/);
  });

  it('an empty dataset is refused before anything is written', async () => {
    const config = resolveConfig({ preset: 'smoke' });
    const val = createSyntheticDataset({ split: 'val', size: 2, imageSize: 32 });
    const empty = { ...val, size: 0, name: 'empty-train' };
    const out = join(tmp(), 'run');
    await expect(
      train({ config, outDir: out, log: quiet, datasets: { train: empty, val } }),
    ).rejects.toThrow(DatasetError);
    expect(existsSync(out)).toBe(false);
  });

  it('a NaN loss stops with the step and term, keeps a loadable checkpoint and a diagnostic', async () => {
    const config = resolveConfig({ preset: 'smoke' });
    const out = tmp();
    const lines: string[] = [];
    const r = await train({
      config,
      outDir: out,
      log: (l) => lines.push(l),
      injectNaN: { step: 5, term: 'box' },
    });
    expect(r.status).toBe('diverged');
    expect(r.step).toBe(5);
    const latest = join(out, 'checkpoints', 'latest.ckpt');
    expect(lines.join('\n')).toContain(
      `loss term 'box' is NaN at step 5; training stopped. The last good checkpoint is ${latest} (step 4).`,
    );
    const diag = JSON.parse(readFileSync(join(out, 'diagnostic.json'), 'utf8'));
    expect(diag.step).toBe(5);
    expect(diag.term).toBe('box');
    expect(diag.checkpointStep).toBe(4);
    // the periodic checkpoint of step 4 is kept: a diverging run never rewrites it
    const ck = readCheckpoint(latest);
    expect(ck.meta.step).toBe(4);
    for (const t of ck.tensors) expect(Array.from(t.data).every(Number.isFinite)).toBe(true);
  });
});
