import { describe, expect, it } from 'vitest';
import {
  COCO_IOU_THRESHOLDS,
  COCO_RECALL_THRESHOLDS,
  type CocoAnnotation,
  CocoEvaluator,
  type CocoResult,
  formatCocoSummary,
  MetricsInputError,
} from '../src/index.js';

// Hand-checkable cases that follow pycocotools' cocoeval.py step by step (see comments).

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [
  x,
  y,
  w,
  h,
];

function annotation(
  id: number,
  imageId: number,
  bbox: [number, number, number, number],
  extra: Partial<CocoAnnotation> = {},
): CocoAnnotation {
  return { id, image_id: imageId, category_id: 1, bbox, area: bbox[2] * bbox[3], ...extra };
}

function evaluate(
  annotations: CocoAnnotation[],
  results: CocoResult[],
  options = {},
  images = [{ id: 1 }],
  categories = [{ id: 1, name: 'a' }],
) {
  const evaluator = new CocoEvaluator({ images, categories, annotations }, options);
  evaluator.addDetections(results);
  return evaluator.evaluate();
}

const dt = (imageId: number, bbox: [number, number, number, number], score: number, cat = 1) => ({
  image_id: imageId,
  category_id: cat,
  bbox,
  score,
});

// Precision is tp / (tp + fp + np.spacing(1)), so "1" is 1 - 2.2e-16: compare to 1e-12.
function expectClose(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(Math.abs(value - expected[i]), `entry ${i}: ${value} vs ${expected[i]}`).toBeLessThan(
      1e-12,
    );
  });
}

describe('pycocotools semantics', () => {
  it('numpy linspace thresholds', () => {
    expect(COCO_IOU_THRESHOLDS).toHaveLength(10);
    expect(COCO_IOU_THRESHOLDS[0]).toBe(0.5);
    // summarize() finds AP75 by exact equality: linspace must produce exactly 0.75.
    expect(COCO_IOU_THRESHOLDS[5]).toBe(0.75);
    expect(COCO_IOU_THRESHOLDS[9]).toBe(0.95);
    expect(COCO_RECALL_THRESHOLDS).toHaveLength(101);
    // numpy: np.linspace(0, 1, 101)[35] == 0.35000000000000003 (35 * 0.01, not 35 / 100), and
    // np.linspace(.5, .95, 10)[8] == 0.8999999999999999.
    expect(COCO_RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(COCO_IOU_THRESHOLDS[8]).toBe(0.8999999999999999);
    expect(COCO_RECALL_THRESHOLDS[100]).toBe(1);
  });

  it('crowd regions absorb any number of detections, which are then ignored', () => {
    // Two high-scoring detections inside a crowd region (IoU with crowd = inter / det area = 1),
    // then a perfect detection of the single real object.
    const result = evaluate(
      [
        annotation(1, 1, box(0, 0, 10, 10)),
        annotation(2, 1, box(100, 100, 50, 50), { iscrowd: 1 }),
      ],
      [
        dt(1, box(105, 105, 10, 10), 0.95),
        dt(1, box(120, 120, 10, 10), 0.93),
        dt(1, box(0, 0, 10, 10), 0.9),
      ],
    );
    // No false positive before the true positive: AP = 1 at every IoU threshold. Small: the
    // real object (area 100); medium/large hold only the (ignored) crowd: -1.
    // AR@1 keeps only the top detection per image, which hits the crowd: recall 0.
    expectClose(result.stats, [1, 1, 1, 1, -1, -1, 0, 1, 1, 1, -1, -1]);
  });

  it('keeps only maxDets[-1] detections per image, by score', () => {
    const far = Array.from({ length: 100 }, (_, i) =>
      dt(1, box(200 + i, 200, 5, 5), 0.99 - i * 0.001),
    );
    const results = [...far, dt(1, box(0, 0, 10, 10), 0.5)];
    const gt = [annotation(1, 1, box(0, 0, 10, 10))];
    // The true positive ranks 101st: cut, so AP and AR are 0.
    const cut = evaluate(gt, results);
    expectClose([cut.stats[0]], [0]);
    expectClose([cut.stats[8]], [0]);
    // With maxDets [1, 10, 101] it is kept at position 101: precision 1/101 at every recall
    // threshold (stats[1] uses maxDets[2]), while stats[0] asks for maxDets=100: absent, -1.
    const kept = evaluate(gt, results, { maxDets: [1, 10, 101] });
    expect(kept.stats[1]).toBeCloseTo(1 / 101, 15);
    expectClose([kept.stats[8]], [1]);
    expectClose([kept.stats[0]], [-1]);
    expect(kept.summary.split('\n')[8]).toBe(
      ' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=101 ] = 1.000',
    );
  });

  it('equal scores keep the order in which detections were added (mergesort)', () => {
    const gt = [annotation(1, 1, box(0, 0, 10, 10))];
    const miss = dt(1, box(50, 50, 10, 10), 0.5);
    const hit = dt(1, box(0, 0, 10, 10), 0.5);
    // miss first: precision [0, 0.5] -> envelope 0.5 everywhere.
    expectClose([evaluate(gt, [miss, hit]).stats[0]], [0.5]);
    // hit first: precision 1 at recall 1.
    expectClose([evaluate(gt, [hit, miss]).stats[0]], [1]);
  });

  it('equal scores across images are ordered by image id, not by listing order', () => {
    const gt = [annotation(1, 1, box(0, 0, 10, 10)), annotation(2, 2, box(0, 0, 10, 10))];
    const images = [{ id: 2 }, { id: 1 }];
    // Image 1's detection misses, image 2's hits, same score: image 1 comes first, so
    // precision is 0 then 0.5 (envelope 0.5) up to recall 0.5 (51 thresholds), 0 after.
    const result = evaluate(
      gt,
      [dt(2, box(0, 0, 10, 10), 0.5), dt(1, box(50, 50, 10, 10), 0.5)],
      {},
      images,
    );
    expect(result.stats[0]).toBeCloseTo((51 * 0.5) / 101, 15);
  });

  it('an IoU equal to the threshold matches; threshold 1 is capped at 1 - 1e-10', () => {
    const gt = [annotation(1, 1, box(0, 0, 10, 10))];
    // IoU = 50 / 100 = 0.5 exactly: a match at 0.5 only.
    const half = evaluate(gt, [dt(1, box(0, 0, 10, 5), 0.9)]);
    expectClose([half.stats[1]], [1]);
    expectClose([half.stats[2]], [0]);
    expect(half.stats[0]).toBeCloseTo(0.1, 15);
    // A perfect detection matches even at threshold 1.
    const perfect = evaluate(gt, [dt(1, box(0, 0, 10, 10), 0.9)], {
      iouThresholds: [0.5, 0.75, 1],
    });
    const [T, R, K, A, M] = perfect.counts;
    expect(T).toBe(3);
    for (let r = 0; r < R; r++) {
      expectClose([perfect.precision[(((2 * R + r) * K + 0) * A + 0) * M + (M - 1)]], [1]);
    }
    expect(perfect.summary.split('\n')[0]).toContain('IoU=0.50:1.00');
  });

  it('useCats: false pools categories', () => {
    const categories = [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ];
    const gt = [
      annotation(1, 1, box(0, 0, 10, 10)),
      annotation(2, 1, box(50, 50, 10, 10), { category_id: 2 }),
    ];
    // Both detections carry the other object's label.
    const results = [dt(1, box(0, 0, 10, 10), 0.9, 2), dt(1, box(50, 50, 10, 10), 0.8, 1)];
    const byCategory = evaluate(gt, results, {}, [{ id: 1 }], categories);
    expectClose([byCategory.stats[0]], [0]);
    expect(Object.keys(byCategory.perCategory)).toEqual(['1', '2']);
    const pooled = evaluate(gt, results, { useCats: false }, [{ id: 1 }], categories);
    expectClose([pooled.stats[0]], [1]);
    expect(pooled.counts[2]).toBe(1);
    expect(pooled.perCategory).toEqual({});
  });

  it('area ranges ignore ground truth by its area field and unmatched detections by w*h', () => {
    // The annotation's `area` (here 2000, medium) decides, not its box (100 px², small).
    const gt = [annotation(1, 1, box(0, 0, 10, 10), { area: 2000 })];
    const result = evaluate(gt, [dt(1, box(0, 0, 10, 10), 0.9), dt(1, box(50, 50, 40, 40), 0.95)]);
    // small: no positive -> -1. medium: the unmatched 40x40 detection (1600, medium) is a
    // false positive ahead of the hit -> precision 0.5 -> AP 0.5. large: -1.
    expectClose(result.stats.slice(3, 6), [-1, 0.5, -1]);
    // all: the same false positive counts.
    expectClose([result.stats[0]], [0.5]);
  });

  it('no detections: AP and AR 0 where ground truth exists', () => {
    const result = evaluate([annotation(1, 1, box(0, 0, 10, 10))], []);
    expectClose(result.stats, [0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  });

  it('an annotation id of 0 reads as "unmatched" in dtMatches, as in pycocotools', () => {
    const result = evaluate([annotation(0, 1, box(0, 0, 10, 10))], [dt(1, box(0, 0, 10, 10), 0.9)]);
    expectClose([result.stats[0]], [0]);
  });
});

describe('formatCocoSummary', () => {
  it('formats like Python, including -1 and round-half-even ties', () => {
    const stats = [0.0625, 0.1875, -1, 1, 0, 0.5, 0.3125, 0.12345, 0.9999, 0.0005, 0.0015, 0.25];
    const lines = formatCocoSummary(stats).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.map((l) => l.slice(l.lastIndexOf('=') + 2))).toEqual([
      '0.062',
      '0.188',
      '-1.000',
      '1.000',
      '0.000',
      '0.500',
      '0.312',
      '0.123',
      '1.000',
      // 0.0005 and 0.0015 are not exact in binary: Python prints 0.001 and 0.002.
      '0.001',
      '0.002',
      '0.250',
    ]);
    expect(lines[3]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 1.000',
    );
    expect(lines[4]).toBe(
      ' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.000',
    );
    expect(lines[11]).toBe(
      ' Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.250',
    );
    expect(() => formatCocoSummary([1, 2])).toThrow(MetricsInputError);
  });
});
