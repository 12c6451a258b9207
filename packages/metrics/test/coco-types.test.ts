import { describe, expect, it } from 'vitest';
import {
  type CocoAnnotation,
  CocoEvaluator,
  type CocoGroundTruth,
  type CocoResult,
} from '../src/index.js';
// A typed JSON import (resolveJsonModule): TypeScript infers `bbox: number[]`, `iscrowd: number`.
import gt from './fixtures/typed/gt.json' with { type: 'json' };

// These are compile-time checks as much as run-time ones: `pnpm typecheck` (tsc over test/)
// fails if the COCO types reject what a JSON import or a readonly tuple gives them.
describe('COCO input types', () => {
  it('accept a typed JSON import of ground truth (bbox: number[], iscrowd: number)', () => {
    const groundTruth: CocoGroundTruth = gt;
    const evaluator = new CocoEvaluator(groundTruth);
    evaluator.addDetections([{ image_id: 1, category_id: 1, bbox: [10, 10, 40, 40], score: 0.9 }]);
    const { stats } = evaluator.evaluate();
    // 1 of 2 objects found at every IoU threshold: precision 1 at 51 of the 101 recall points
    expect(stats[0]).toBeCloseTo(51 / 101, 12);
  });

  it('accept readonly bbox tuples and readonly arrays', () => {
    const box = [10, 10, 40, 40] as const;
    const frozen: readonly number[] = Object.freeze([60, 60, 20, 20]);
    const annotations: CocoAnnotation[] = [
      { id: 1, image_id: 1, category_id: 1, bbox: box, area: 1600 },
      { id: 2, image_id: 1, category_id: 1, bbox: frozen, area: 400, iscrowd: false },
    ];
    const results: readonly CocoResult[] = [
      { image_id: 1, category_id: 1, bbox: box, score: 0.9 },
      { image_id: 1, category_id: 1, bbox: frozen, score: 0.8 },
    ];
    const evaluator = new CocoEvaluator({
      images: [{ id: 1 }],
      annotations,
      categories: [{ id: 1, name: 'shape' }],
    });
    evaluator.addDetections(results);
    expect(evaluator.evaluate().stats[0]).toBeCloseTo(1, 12);
  });
});
