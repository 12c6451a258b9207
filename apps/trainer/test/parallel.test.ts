import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withSchedule } from '@burnin/tfjs-adapter';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { main } from '../src/cli.js';
import {
  buildSchedule,
  ConfigError,
  resolveConfig,
  resolveThreads,
  type TrainConfig,
  validateConfig,
} from '../src/config.js';
import { OUTPUT_STRIDE } from '../src/model/centernet.js';
import { detectionLoss, imagesToTensor } from '../src/model/loss.js';
import { encodeTargets } from '../src/model/targets.js';
import * as tf from '../src/tf.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import {
  createGradientStepper,
  liveWorkerCount,
  makeShard,
  prepareBatch,
} from '../src/train/parallel.js';
import { batchAt, datasetsFromConfig, modelFromConfig, train } from '../src/train/train.js';
import { tempRoot } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = tempRoot('par').newDir;
const quiet = () => {};

/** The smoke preset with fewer steps. */
function smoke(steps: number, extra: Partial<TrainConfig['train']> = {}): TrainConfig {
  const base = resolveConfig({ preset: 'smoke' });
  return validateConfig({
    ...base,
    train: { ...base.train, steps, evalEvery: steps, checkpointEvery: steps, ...extra },
  });
}

/** sha256 over a checkpoint's tensors (names and bytes), the metadata left out. */
function weightsHash(outDir: string): string {
  const ck = readCheckpoint(join(outDir, 'checkpoints', 'latest.ckpt'));
  const h = createHash('sha256');
  for (const t of ck.tensors) {
    h.update(t.name);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

function sameWeights(a: string, b: string): void {
  const ca = readCheckpoint(join(a, 'checkpoints', 'latest.ckpt'));
  const cb = readCheckpoint(join(b, 'checkpoints', 'latest.ckpt'));
  expect(cb.tensors.map((t) => t.name)).toEqual(ca.tensors.map((t) => t.name));
  ca.tensors.forEach((t, i) => {
    expect(Array.from(cb.tensors[i].data)).toEqual(Array.from(t.data));
  });
}

/**
 * The single-thread step as train() did it before data parallelism: the full batch's
 * detectionLoss through optimizer.computeGradients, then applyGradients. Returns the weights.
 */
function referenceWeights(cfg: TrainConfig): Float32Array[] {
  const ds = datasetsFromConfig(cfg);
  const C = ds.train.classNames.length;
  const model = modelFromConfig(cfg, C);
  const schedule = buildSchedule(cfg);
  const opt = withSchedule(tf.train.adam(schedule(0)), schedule, {});
  const B = cfg.train.batchSize;
  for (let step = 0; step < cfg.train.steps; step++) {
    const samples = batchAt(ds.train, cfg.seed, step * B, B, cfg.data.augment);
    const targets = encodeTargets(samples, cfg.data.imageSize, C, OUTPUT_STRIDE);
    const x = imagesToTensor(
      samples.map((s) => s.image),
      cfg.data.imageSize,
    );
    const { value, grads } = opt.computeGradients(
      () => detectionLoss(model, x, targets, cfg.train.lossWeights).total,
      model.variables,
    );
    opt.applyGradients(grads);
    tf.dispose([x, value, ...Object.values(grads)]);
  }
  const out = model.variables.map((v) => v.dataSync() as Float32Array);
  model.dispose();
  opt.dispose();
  return out;
}

function expectReferenceWeights(outDir: string, cfg: TrainConfig): void {
  const ref = referenceWeights(cfg);
  const ck = readCheckpoint(join(outDir, 'checkpoints', 'latest.ckpt'));
  const model = ck.tensors.filter((t) => t.name.startsWith('model/'));
  expect(model).toHaveLength(ref.length);
  model.forEach((t, i) => {
    expect(Array.from(t.data)).toEqual(Array.from(ref[i]));
  });
}

beforeAll(async () => {
  // the workers run the built script (dist/worker.js): build when it is missing or stale
  const worker = join(root, 'dist', 'worker.js');
  const newest = readdirSync(join(root, 'src'), { recursive: true })
    .map((f) => join(root, 'src', String(f)))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => statSync(f).mtimeMs);
  if (!existsSync(worker) || statSync(worker).mtimeMs < Math.max(...newest))
    execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  await selectBackend('wasm', quiet);
}, 120_000);
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('train.threads and --threads', () => {
  it('validates the config field', () => {
    for (const bad of [0, -1, 1.5, 257, 'all']) {
      let err: unknown;
      try {
        validateConfig({ train: { threads: bad } });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('train.threads');
      expect((err as Error).message).toMatch(/train\.threads.*1\.\.256 or 'auto'/);
    }
    expect(validateConfig({}).train.threads).toBe('auto');
    expect(validateConfig({ train: { threads: 3 } }).train.threads).toBe(3);
    expect(resolveThreads('auto')).toBeGreaterThanOrEqual(1);
  });

  it('--threads 0 is a usage error (2), train.threads: 0 in a file bad input (1)', async () => {
    const err: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a) => {
      err.push(a.join(' '));
    });
    const logSpy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const v of ['0', '-2', '1.5', 'x'])
        expect(await main(['train', '--preset', 'smoke', '--threads', v])).toBe(2);
      expect(err[0]).toMatch(/--threads must be an integer 1\.\.256 or 'auto', got 0/);
      const file = join(tmp(), 'bad.yaml');
      writeFileSync(file, 'train:\n  threads: 0\n');
      expect(await main(['train', '--config', file])).toBe(1);
      expect(err.at(-1)).toMatch(/train\.threads/);
    } finally {
      spy.mockRestore();
      logSpy.mockRestore();
    }
  });
});

describe('data-parallel training (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('threads 1 gives the weights of the unchanged single-thread code', async () => {
    const out = tmp();
    await train({ config: smoke(6), outDir: out, log: quiet, threads: 1 });
    expectReferenceWeights(out, smoke(6));
  });

  it('2 shards sum to the full-batch gradient', async () => {
    const cfg = smoke(1);
    const ds = datasetsFromConfig(cfg);
    const C = ds.train.classNames.length;
    const model = modelFromConfig(cfg, C);
    const opt = withSchedule(tf.train.adam(1e-3), () => 1e-3);
    const samples = batchAt(ds.train, 0, 0, cfg.train.batchSize, true);
    const one = await createGradientStepper({
      cfg,
      model,
      optimizer: opt,
      numClasses: C,
      threads: 1,
    });
    const two = await createGradientStepper({
      cfg,
      model,
      optimizer: opt,
      numClasses: C,
      threads: 2,
    });
    try {
      const a = await one.compute(prepareBatch(samples, cfg.data.imageSize, C, 1));
      const b = await two.compute(prepareBatch(samples, cfg.data.imageSize, C, 2));
      expect(b.loss).toBeCloseTo(a.loss, 5);
      b.terms.forEach((t, i) => {
        expect(t).toBeCloseTo(a.terms[i], 5);
      });
      for (const v of model.variables) {
        const ga = a.grads[v.name].dataSync();
        const gb = b.grads[v.name].dataSync();
        const scale = Math.max(1e-3, ...Array.from(ga, Math.abs));
        ga.forEach((x, i) => {
          expect(Math.abs(gb[i] - x) / scale).toBeLessThan(1e-4);
        });
      }
      tf.dispose([...Object.values(a.grads), ...Object.values(b.grads)]);
    } finally {
      await two.dispose();
      model.dispose();
      opt.dispose();
    }
    expect(liveWorkerCount()).toBe(0);
  });

  it('threads 2: 4 steps + resume 4 equals 8 straight, bit for bit', async () => {
    const config = smoke(8, { checkpointEvery: 2 });
    const a = tmp();
    await train({ config, outDir: a, log: quiet, threads: 2 });
    const b = tmp();
    const ctl = new AbortController();
    const r1 = await train({
      config,
      outDir: b,
      log: quiet,
      threads: 2,
      signal: ctl.signal,
      onStep: (s) => {
        if (s === 4) ctl.abort();
      },
    });
    expect(r1.status).toBe('interrupted');
    const lines: string[] = [];
    const r2 = await train({
      config,
      outDir: b,
      log: (l) => lines.push(l),
      threads: 2,
      resume: true,
    });
    expect(r2.status).toBe('completed');
    expect(lines.some((l) => /will differ/.test(l))).toBe(false);
    sameWeights(a, b);
    expect(JSON.parse(readFileSync(join(b, 'summary.json'), 'utf8')).threads).toBe(2);
    expect(readCheckpoint(join(b, 'checkpoints', 'latest.ckpt')).meta.threads).toBe(2);
    // threads 2 differs from threads 1 only by float rounding
    const c = tmp();
    await train({ config, outDir: c, log: quiet, threads: 1 });
    expect(weightsHash(c)).not.toBe(weightsHash(a));
    // resuming with another thread count is allowed, with one line saying so
    const d = tmp();
    const ctl2 = new AbortController();
    await train({
      config,
      outDir: d,
      log: quiet,
      threads: 2,
      signal: ctl2.signal,
      onStep: (s) => {
        if (s === 4) ctl2.abort();
      },
    });
    const lines2: string[] = [];
    const r3 = await train({
      config,
      outDir: d,
      log: (l) => lines2.push(l),
      threads: 1,
      resume: true,
    });
    expect(r3.status).toBe('completed');
    expect(
      lines2.filter((l) => /2 thread\(s\), this run uses 1: the result will differ/.test(l)),
    ).toHaveLength(1);
  });

  it('no worker or tensor outlives train(): completed, aborted, worker failure', async () => {
    const before = tf.memory().numTensors;
    const r1 = await train({ config: smoke(2), outDir: tmp(), log: quiet, threads: 3 });
    expect(r1.status).toBe('completed');
    expect(liveWorkerCount()).toBe(0);
    const ctl = new AbortController();
    const r2 = await train({
      config: smoke(6),
      outDir: tmp(),
      log: quiet,
      threads: 2,
      signal: ctl.signal,
      onStep: () => ctl.abort(),
    });
    expect(r2.status).toBe('interrupted');
    expect(liveWorkerCount()).toBe(0);
    const r3 = await train({
      config: smoke(6),
      outDir: tmp(),
      log: quiet,
      threads: 2,
      injectNaN: { step: 3, term: 'box' },
    });
    expect(r3.status).toBe('diverged');
    expect(liveWorkerCount()).toBe(0);
    await expect(
      train({
        config: smoke(6),
        outDir: tmp(),
        log: quiet,
        threads: 2,
        injectWorkerFailure: { step: 2, worker: 1 },
      }),
    ).rejects.toThrow(/training worker 1 \(shard 1 of 2\) failed: injected worker failure/);
    expect(liveWorkerCount()).toBe(0);
    expect(process.getActiveResourcesInfo().filter((r) => /Worker|MessagePort/.test(r))).toEqual(
      [],
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('data-parallel training on wasm', () => {
  it('threads 2 trains the smoke preset and is deterministic', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const a = tmp();
    const b = tmp();
    const lines: string[] = [];
    const r = await train({ config: smoke(6), outDir: a, log: (l) => lines.push(l), threads: 2 });
    expect(r.status).toBe('completed');
    expect(lines.some((l) => /2 threads \(data-parallel: main thread \+ 1 worker/.test(l))).toBe(
      true,
    );
    await train({ config: smoke(6), outDir: b, log: quiet, threads: 2, prefetch: false });
    expect(weightsHash(b)).toBe(weightsHash(a));
    // batches made by each thread for its own shard (the default), on the loader thread, or
    // on the main thread after its shard: the same run
    for (const prefetchOn of ['workers', 'thread', 'main'] as const) {
      const m = tmp();
      await train({ config: smoke(6), outDir: m, log: quiet, threads: 2, prefetchOn });
      expect(weightsHash(m)).toBe(weightsHash(a));
    }
    expect(liveWorkerCount()).toBe(0);
    // threads 1 on wasm: bit-identical to the single-thread step code
    const c = tmp();
    await train({ config: smoke(6), outDir: c, log: quiet, threads: 1 });
    expectReferenceWeights(c, smoke(6));
  });
});

describe('where the batches are made (threads 2, wasm)', () => {
  it('each shard made by its own thread equals the same shard of the whole batch', () => {
    const cfg = smoke(6);
    const ds = datasetsFromConfig(cfg);
    const B = cfg.train.batchSize;
    for (const T of [2, 3]) {
      const ranges = Array.from({ length: T }, (_, i) => [
        Math.floor((i * B) / T),
        Math.floor(((i + 1) * B) / T),
      ]) as [number, number][];
      for (const step of [0, 5, 17]) {
        const whole = prepareBatch(
          batchAt(ds.train, cfg.seed, step * B, B, cfg.data.augment),
          cfg.data.imageSize,
          3,
          T,
        );
        ranges.forEach((r, i) => {
          const own = makeShard(ds.train, cfg, 3, step, r);
          expect(own.images.map((im) => Array.from(im))).toEqual(
            whole.shards[i].images.map((im) => Array.from(im)),
          );
          expect(own.targets).toEqual(whole.shards[i].targets);
          expect(own.imageIds).toEqual(whole.samples.slice(r[0], r[1]).map((x) => x.imageId));
        });
      }
    }
  });

  it('datasets passed in: made on the main thread (the same run); other places refused', async () => {
    const cfg = smoke(4);
    const a = tmp();
    await train({ config: cfg, outDir: a, log: quiet, threads: 2 });
    const b = tmp();
    const datasets = datasetsFromConfig(cfg);
    await train({ config: cfg, outDir: b, log: quiet, threads: 2, datasets });
    expect(weightsHash(b)).toBe(weightsHash(a));
    for (const prefetchOn of ['workers', 'thread'] as const) {
      const c = tmp();
      await expect(
        train({ config: cfg, outDir: c, log: quiet, threads: 2, datasets, prefetchOn }),
      ).rejects.toThrow(
        new RegExp(`prefetchOn '${prefetchOn}' needs the training set the config describes`),
      );
      expect(readdirSync(c)).toEqual([]); // refused before the folder is touched
    }
    await expect(
      train({ config: cfg, outDir: tmp(), log: quiet, threads: 2, prefetchOn: 'disk' as 'main' }),
    ).rejects.toThrow("prefetchOn must be 'workers', 'thread' or 'main', got disk");
    expect(liveWorkerCount()).toBe(0);
  });

  it('a worker that cannot load the training set fails the start with its message', async () => {
    const cfg = validateConfig({
      ...smoke(2),
      data: {
        kind: 'coco',
        imageSize: 32,
        train: { annotations: join(tmp(), 'missing.json'), images: tmp() },
        val: { annotations: join(tmp(), 'missing.json'), images: tmp() },
      },
    });
    const model = modelFromConfig(cfg, 3);
    const optimizer = withSchedule(tf.train.adam(1e-3), buildSchedule(cfg), {});
    await expect(
      createGradientStepper({ cfg, model, optimizer, numClasses: 3, threads: 2, ownShards: true }),
    ).rejects.toThrow(/training worker 1 \(shard 1 of 2\) failed: .*missing\.json/);
    expect(liveWorkerCount()).toBe(0);
    model.dispose();
    optimizer.dispose();
  });
});
