import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import * as tf from '../src/tf.js';
import { datasetsFromConfig, readMetrics, train } from '../src/train/train.js';
import { tinyConfig, weightsOf } from './fault-helpers.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('fault-tensors').dir;
beforeAll(async () => {
  await selectBackend('cpu', () => {});
});

describe('tensors across checkpoint saves (F14)', () => {
  it('numTensors stays flat over many saves, evaluations, a resume, and after train()', async () => {
    const config = tinyConfig({ steps: 12, logEvery: 1, evalEvery: 3, checkpointEvery: 1 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await train({
      config,
      outDir: join(root, 'a'),
      log: () => {},
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).toHaveLength(12);
    expect(new Set(counts).size).toBe(1);
    const ctl = new AbortController();
    await train({
      config,
      outDir: join(root, 'b'),
      log: () => {},
      signal: ctl.signal,
      onStep: (s) => s === 5 && ctl.abort(),
    });
    const resumed: number[] = [];
    await train({
      config,
      outDir: join(root, 'b'),
      log: () => {},
      resume: true,
      onStep: () => resumed.push(tf.memory().numTensors),
    });
    expect(resumed).toEqual(counts.slice(5));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('Ctrl-C during an evaluation', () => {
  it('stops the evaluation early; the resumed run repeats it and ends like an uninterrupted one', async () => {
    const config = tinyConfig({ evalEvery: 3 });
    const ref = join(root, 'ref');
    await train({ config, outDir: ref, log: () => {} });
    const ds = datasetsFromConfig({ ...config, data: { ...config.data, valSize: 24 } });
    const refEval = join(root, 'ref-eval');
    await train({ config, outDir: refEval, log: () => {}, datasets: ds });
    const ctl = new AbortController();
    let gets = 0;
    const val = {
      ...ds.val,
      get: (i: number, o?: Parameters<typeof ds.val.get>[1]) => {
        gets++;
        if (step === 2) ctl.abort(); // Ctrl-C as the evaluation at step 3 starts (onStep(3) comes after it)
        return ds.val.get(i, o);
      },
    };
    let step = 0;
    const d = join(root, 'c');
    const r = await train({
      config,
      outDir: d,
      log: () => {},
      signal: ctl.signal,
      datasets: { train: ds.train, val },
      onStep: (s) => {
        step = s;
      },
    });
    expect(r.status).toBe('interrupted');
    expect(r.step).toBe(3);
    // ground truth (24 images) + the first batch of 8, not the whole evaluation (24 + 24)
    expect(gets).toBe(24 + 8);
    expect(readMetrics(join(d, 'metrics.jsonl')).filter((m) => m.type === 'eval')).toEqual([]);
    await train({ config, outDir: d, log: () => {}, resume: true, datasets: ds });
    const evals = (dir: string) =>
      readMetrics(join(dir, 'metrics.jsonl')).filter((m) => m.type === 'eval');
    expect(evals(d)).toEqual(evals(refEval));
    expect(weightsOf(join(d, 'checkpoints', 'latest.ckpt'))).toEqual(
      weightsOf(join(ref, 'checkpoints', 'latest.ckpt')),
    );
  });
});
