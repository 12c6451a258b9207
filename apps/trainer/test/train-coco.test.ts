import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { validateConfig } from '../src/config.js';
import { createSyntheticDataset } from '../src/data/synthetic.js';
import { encodePng } from '../src/io/image.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { liveWorkerCount } from '../src/train/parallel.js';
import { train } from '../src/train/train.js';
import { tempRoot } from './helpers.js';

const dir = tempRoot('coco').dir;
beforeAll(async () => {
  await selectBackend('wasm', () => {});
});

/** Writes synthetic images as PNG files plus a COCO instances.json. */
async function writeCoco(name: string, n: number, extra?: (gt: Record<string, unknown[]>) => void) {
  const ds = createSyntheticDataset({ split: 'train', size: n, imageSize: 32, seed: 9 });
  const imgDir = join(dir, name);
  mkdirSync(imgDir, { recursive: true });
  const gt: Record<string, unknown[]> = {
    images: [],
    annotations: [],
    categories: ds.classNames.map((c, i) => ({ id: 10 + i, name: c })),
  };
  let id = 1;
  for (let i = 0; i < n; i++) {
    const s = ds.get(i);
    writeFileSync(join(imgDir, `${i}.png`), await encodePng(s.image, 32));
    gt.images.push({ id: 100 + i, file_name: `${i}.png`, width: 32, height: 32 });
    for (let j = 0; j < s.classes.length; j++) {
      const [x1, y1, x2, y2] = s.boxes.subarray(j * 4, j * 4 + 4);
      gt.annotations.push({
        id: id++,
        image_id: 100 + i,
        category_id: 10 + s.classes[j],
        bbox: [x1, y1, x2 - x1, y2 - y1],
        area: (x2 - x1) * (y2 - y1),
        iscrowd: 0,
      });
    }
  }
  extra?.(gt);
  const ann = join(dir, `${name}.json`);
  writeFileSync(ann, JSON.stringify(gt));
  return { annotations: ann, images: imgDir };
}

describe('training on a COCO-format dataset', () => {
  it('trains from instances.json + PNG folder and evaluates on the val split', async () => {
    const trainSet = await writeCoco('train', 6);
    const valSet = await writeCoco('val', 2);
    const config = validateConfig({
      data: { kind: 'coco', imageSize: 32, train: trainSet, val: valSet },
      model: { widths: [4, 8, 8], headWidth: 8 },
      train: { steps: 4, batchSize: 2, logEvery: 2, evalEvery: 4, checkpointEvery: 4 },
    });
    const out = join(dir, 'run');
    const r = await train({ config, outDir: out, log: () => {} });
    expect(r.status).toBe('completed');
    expect(r.summary.final?.stats).toHaveLength(12);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.status).toBe('completed');
  });

  it('an annotation of an unknown category is refused naming the file and entry', async () => {
    const bad = await writeCoco('bad', 1, (gt) => {
      (gt.annotations[0] as { category_id: number }).category_id = 99;
    });
    const config = validateConfig({
      data: { kind: 'coco', imageSize: 32, train: bad, val: bad },
      train: { steps: 1, batchSize: 1 },
    });
    const out = join(dir, 'bad-run');
    await expect(train({ config, outDir: out, log: () => {} })).rejects.toThrow(/bad\.json/);
  });

  it('threads 2: workers that load the set themselves train the same run', async () => {
    const set = await writeCoco('shards', 6);
    const valSet = await writeCoco('shards-val', 2);
    const config = validateConfig({
      data: { kind: 'coco', imageSize: 32, train: set, val: valSet, augment: true },
      model: { widths: [4, 8, 8], headWidth: 8 },
      train: { steps: 4, batchSize: 3, logEvery: 2, evalEvery: 4, checkpointEvery: 4 },
    });
    const runs: string[] = [];
    for (const prefetchOn of ['workers', 'main'] as const) {
      const out = join(dir, `shards-${prefetchOn}`);
      const r = await train({ config, outDir: out, log: () => {}, threads: 2, prefetchOn });
      expect(r.status).toBe('completed');
      runs.push(out);
    }
    const [a, b] = runs.map((d) => readCheckpoint(join(d, 'checkpoints', 'latest.ckpt')).tensors);
    expect(b.map((t) => t.name)).toEqual(a.map((t) => t.name));
    a.forEach((t, i) => {
      expect(Array.from(b[i].data)).toEqual(Array.from(t.data));
    });
    expect(liveWorkerCount()).toBe(0);
  });

  it('threads 2: images with more objects than the shared buffers hold (they grow), same run', async () => {
    // 12 extra copies of every box, shifted: ~20-50 objects per image, more than the
    // buffers' first capacity (8 per image), so both the main thread's buffer for a worker's
    // shard and worker 1's buffer for its part of shard 0 are replaced by larger ones
    const crowd = (gt: Record<string, unknown[]>) => {
      const base = [...gt.annotations] as { id: number; bbox: number[] }[];
      let id = 10_000;
      for (let k = 1; k <= 12; k++)
        for (const a of base) {
          const [x, y, w, h] = a.bbox;
          const d = (k % 4) * 0.5;
          gt.annotations.push({ ...a, id: id++, bbox: [Math.min(x + d, 32 - w), y, w, h] });
        }
    };
    const set = await writeCoco('crowd', 4, crowd);
    const config = validateConfig({
      data: { kind: 'coco', imageSize: 32, train: set, val: set },
      model: { widths: [4, 8, 8], headWidth: 8 },
      train: { steps: 3, batchSize: 4, logEvery: 3, evalEvery: 3, checkpointEvery: 3 },
    });
    const runs: string[] = [];
    for (const prefetchOn of ['workers', 'main'] as const) {
      const out = join(dir, `crowd-${prefetchOn}`);
      const r = await train({ config, outDir: out, log: () => {}, threads: 2, prefetchOn });
      expect(r.status).toBe('completed');
      runs.push(out);
    }
    const one = join(dir, 'crowd-1');
    expect((await train({ config, outDir: one, log: () => {}, threads: 1 })).status).toBe(
      'completed',
    );
    const [a, b, c] = [...runs, one].map(
      (d) => readCheckpoint(join(d, 'checkpoints', 'latest.ckpt')).tensors,
    );
    a.forEach((t, i) => {
      expect(Array.from(b[i].data)).toEqual(Array.from(t.data));
    });
    // 2 threads sum the same gradients in another order than 1 thread: close, not equal
    const w = a.findIndex((t) => t.name.startsWith('model/'));
    const diff = Array.from(a[w].data).reduce(
      (m, v, j) => Math.max(m, Math.abs(v - c[w].data[j])),
      0,
    );
    expect(diff).toBeLessThan(1e-3);
    expect(liveWorkerCount()).toBe(0);
  });
});
