import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CocoEvaluator, type CocoResult } from '../src/index.js';
import { evaluateCocoFiles } from '../src/node.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'coco');
const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const expected: Record<string, number[]> = load('expected.json');

function expectStats(actual: number[], reference: number[]) {
  expect(actual).toHaveLength(12);
  actual.forEach((value, i) => {
    expect(Math.abs(value - reference[i]), `stat ${i}: ${value} vs ${reference[i]}`).toBeLessThan(
      1e-9,
    );
  });
}

describe('CocoEvaluator against pycocotools 2.0.11', () => {
  for (const [name, stats] of Object.entries(expected)) {
    it(`${name}: 12 stats within 1e-9`, () => {
      const evaluator = new CocoEvaluator(load(`${name}_gt.json`));
      evaluator.addDetections(load(`${name}_dt.json`));
      expectStats(evaluator.evaluate().stats, stats);
    });

    it(`${name}: same stats when detections arrive in batches`, () => {
      const evaluator = new CocoEvaluator(load(`${name}_gt.json`));
      const results: CocoResult[] = load(`${name}_dt.json`);
      for (let i = 0; i < results.length; i += 7) evaluator.addDetections(results.slice(i, i + 7));
      expect(evaluator.numDetections).toBe(results.length);
      expectStats(evaluator.evaluate().stats, stats);
      // evaluate() is repeatable and reset() starts over.
      expectStats(evaluator.evaluate().stats, stats);
      evaluator.reset();
      evaluator.addDetections(results);
      expectStats(evaluator.evaluate().stats, stats);
    });
  }

  it('evaluateCocoFiles reads both files and prints the pycocotools summary', async () => {
    const result = await evaluateCocoFiles(join(dir, 'fx0_gt.json'), join(dir, 'fx0_dt.json'));
    expectStats(result.stats, expected.fx0);
    const lines = result.summary.split('\n');
    expect(lines).toHaveLength(12);
    // Line as pycocotools 2.0.11 prints it for this fixture (stats[0] = 0.3037...).
    expect(lines[0]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.304',
    );
    expect(lines[6]).toBe(
      ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.117',
    );
  });

  it('exposes precision [T,R,K,A,M] and recall [T,K,A,M] consistent with stats', () => {
    const evaluator = new CocoEvaluator(load('fx1_gt.json'));
    evaluator.addDetections(load('fx1_dt.json'));
    const result = evaluator.evaluate();
    const [T, R, K, A, M] = result.counts;
    expect(result.counts).toEqual([10, 101, 5, 4, 3]);
    expect(result.precision).toHaveLength(T * R * K * A * M);
    expect(result.recall).toHaveLength(T * K * A * M);
    // AP50 (stats[1]) = mean over r, k of precision[t=0, r, k, a=all, m=100] where > -1.
    let sum = 0;
    let n = 0;
    for (let r = 0; r < R; r++) {
      for (let k = 0; k < K; k++) {
        const v = result.precision[((r * K + k) * A + 0) * M + 2];
        if (v > -1) {
          sum += v;
          n++;
        }
      }
    }
    expect(Math.abs(sum / n - expected.fx1[1])).toBeLessThan(1e-9);
    // Per-category AP averages back to stats[0] when every category has ground truth.
    const aps = Object.values(result.perCategory).map((c) => c.ap);
    expect(aps).toHaveLength(5);
    expect(Math.abs(aps.reduce((s, v) => s + v, 0) / aps.length - expected.fx1[0])).toBeLessThan(
      1e-9,
    );
    expect(result.perCategory['1'].id).toBe(1);
    expect(typeof result.perCategory['1'].name).toBe('string');
  });
});

describe('imageIds option (pycocotools params.imgIds)', () => {
  it('equals evaluating ground truth and detections cut to those images', () => {
    const gt = load('fx3_gt.json');
    const dts: CocoResult[] = load('fx3_dt.json');
    const chosen = gt.images
      .map((im: { id: number }) => im.id)
      .filter((_: number, i: number) => i % 3 !== 1);
    const keep = new Set<number>(chosen);
    const subset = new CocoEvaluator(gt, { imageIds: chosen });
    subset.addDetections(dts);
    const cut = new CocoEvaluator({
      ...gt,
      images: gt.images.filter((im: { id: number }) => keep.has(im.id)),
      annotations: gt.annotations.filter((a: { image_id: number }) => keep.has(a.image_id)),
    });
    cut.addDetections(dts.filter((d) => keep.has(d.image_id)));
    const a = subset.evaluate();
    const b = cut.evaluate();
    expect(a.stats).toEqual(b.stats);
    expect(a.params.imgIds).toEqual(b.params.imgIds);
    // And it differs from the full evaluation (the subset matters).
    expect(a.stats).not.toEqual(expected.fx3);
    expect(() => new CocoEvaluator(gt, { imageIds: [123456] })).toThrow(/imageIds\[0\]/);
  });
});
