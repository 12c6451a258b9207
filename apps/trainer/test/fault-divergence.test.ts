import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { validateConfig } from '../src/config.js';
import * as tf from '../src/tf.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { readMetrics, train } from '../src/train/train.js';
import { tinyConfig } from './fault-helpers.js';
import { tempRoot } from './helpers.js';

const fresh = tempRoot('fault-div').newPath;
beforeAll(async () => {
  await selectBackend('cpu', () => {});
});

const latestOf = (d: string) => join(d, 'checkpoints', 'latest.ckpt');
const allFinite = (file: string) =>
  readCheckpoint(file).tensors.every((t) => Array.from(t.data).every(Number.isFinite));
const diagnostic = (d: string) => JSON.parse(readFileSync(join(d, 'diagnostic.json'), 'utf8'));

describe('non-finite weights or gradients stop the run like a NaN loss (F1, F2)', () => {
  it('weights that become NaN at a log step: diverged, the step-2 checkpoint is kept', async () => {
    const d = fresh();
    const lines: string[] = [];
    const r = await train({
      config: tinyConfig({ logEvery: 3 }),
      outDir: d,
      log: (l) => lines.push(l),
      injectNonFinite: { step: 2, target: 'weights' },
    });
    expect(r.status).toBe('diverged');
    expect(r.step).toBe(3);
    expect(r.summary.message).toMatch(
      /^weights stem\/kernel are not finite at step 3; training stopped\. The last good checkpoint is .*latest\.ckpt \(step 2\)\.$/,
    );
    expect(lines).toContain(`error: ${r.summary.message}`);
    expect(diagnostic(d)).toMatchObject({ step: 3, term: 'weights', checkpointStep: 2 });
    expect(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status).toBe('diverged');
    expect(readCheckpoint(latestOf(d)).meta.step).toBe(2);
    expect(allFinite(latestOf(d))).toBe(true);
  });

  it('NaN weights between checks then a NaN loss: latest.ckpt is not rewritten with them', async () => {
    const d = fresh();
    // update 2 makes the weights NaN at a step without checks; step 3's loss is NaN
    const r = await train({
      config: tinyConfig({ logEvery: 5 }),
      outDir: d,
      log: () => {},
      injectNonFinite: { step: 2, target: 'weights' },
    });
    expect(r.status).toBe('diverged');
    expect(r.step).toBe(3);
    expect(r.summary.message).toMatch(/^loss term '\w+' is NaN at step 3;.*\(step 2\)\.$/);
    expect(readCheckpoint(latestOf(d)).meta.step).toBe(2);
    expect(allFinite(latestOf(d))).toBe(true);
  });

  it('NaN gradients: diverged before the update, naming the gradient norm', async () => {
    const d = fresh();
    const r = await train({
      config: tinyConfig(),
      outDir: d,
      log: () => {},
      injectNonFinite: { step: 3, target: 'gradients' },
    });
    expect(r.status).toBe('diverged');
    expect(r.summary.message).toMatch(/^the gradient norm is NaN at step 3;.*\(step 2\)\.$/);
    expect(diagnostic(d)).toMatchObject({ step: 3, term: 'gradients', lastGradientNorm: 'NaN' });
    expect(allFinite(latestOf(d))).toBe(true);
  });

  it('a real divergence on wasm (momentum, lr 1) that keeps the loss finite is caught', async () => {
    await selectBackend('wasm', () => {});
    try {
      const base = tinyConfig();
      const config = validateConfig({
        ...base,
        data: { ...base.data, trainSize: 16 },
        train: {
          ...base.train,
          steps: 40,
          logEvery: 5,
          evalEvery: 40,
          checkpointEvery: 5,
          optimizer: 'momentum',
          schedule: { type: 'constant', options: { value: 1 } },
        },
      });
      const d = fresh();
      const r = await train({ config, outDir: d, log: () => {} });
      expect(r.status).toBe('diverged');
      expect(r.step).toBeLessThan(40);
      expect(allFinite(latestOf(d))).toBe(true);
      expect(readCheckpoint(latestOf(d)).meta.step).toBe(diagnostic(d).checkpointStep);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('metrics report the gradient norm of the logged step (clipping off)', async () => {
    const d = fresh();
    await train({ config: tinyConfig(), outDir: d, log: () => {} });
    const norms = readMetrics(join(d, 'metrics.jsonl'))
      .filter((m) => m.type === 'train')
      .map((m) => m.gradNorm);
    expect(norms).toHaveLength(6);
    for (const g of norms) {
      expect(typeof g).toBe('number');
      expect(g as number).toBeGreaterThan(0);
      expect(Number.isFinite(g)).toBe(true);
    }
  });
});
