import { describe, expect, it } from 'vitest';
import { MetricsInputError, vocAP, vocApFromCurve } from '../src/index.js';

// Hand-checked against py-faster-rcnn's voc_eval / voc_ap (lib/datasets/voc_eval.py).

const gt = (imageId: string, box: number[], difficult = false, classId: string | number = 'a') => ({
  imageId,
  classId,
  box,
  difficult,
});
const det = (imageId: string, box: number[], score: number, classId: string | number = 'a') => ({
  imageId,
  classId,
  box,
  score,
});

describe('vocAP', () => {
  // Two objects; detections by score: hit, miss, hit -> recall [.5, .5, 1], precision
  // [1, .5, 2/3].
  const groundTruth = [gt('1', [0, 0, 10, 10]), gt('2', [0, 0, 10, 10])];
  const detections = [
    det('2', [0, 0, 10, 10], 0.7),
    det('1', [0, 0, 10, 10], 0.9),
    det('1', [50, 50, 60, 60], 0.8),
  ];

  it('all-point AP: 0.5 * 1 + 0.5 * 2/3', () => {
    const result = vocAP({ groundTruth, detections });
    const a = result.perClass.a;
    expect(Array.from(a.recall)).toEqual([0.5, 0.5, 1]);
    expect(a.precision[0]).toBe(1);
    expect(a.precision[1]).toBe(0.5);
    expect(a.precision[2]).toBeCloseTo(2 / 3, 15);
    expect(a.ap).toBeCloseTo(5 / 6, 15);
    expect(result.mAP).toBeCloseTo(5 / 6, 15);
    expect([a.numPositives, a.numDetections, a.truePositives, a.falsePositives]).toEqual([
      2, 3, 2, 1,
    ]);
  });

  it('VOC2007 11-point AP: recall >= 0..0.5 gives 1, 0.6..1.0 gives 2/3', () => {
    const result = vocAP({ groundTruth, detections, use07Metric: true });
    expect(result.perClass.a.ap).toBeCloseTo((6 + 5 * (2 / 3)) / 11, 15);
  });

  it('difficult objects are not positives and detections on them are ignored', () => {
    const result = vocAP({
      groundTruth: [gt('1', [0, 0, 10, 10]), gt('1', [100, 100, 120, 120], true)],
      detections: [
        det('1', [100, 100, 120, 120], 0.95), // on the difficult object: neither TP nor FP
        det('1', [0, 0, 10, 10], 0.9), // TP
        det('1', [0, 0, 10, 10], 0.5), // duplicate: FP
      ],
    });
    const a = result.perClass.a;
    expect(a.numPositives).toBe(1);
    expect([a.truePositives, a.falsePositives]).toEqual([1, 1]);
    // A leading ignored detection has precision 0 (0 / eps), not NaN.
    expect(Array.from(a.precision)).toEqual([0, 1, 0.5]);
    expect(a.ap).toBe(1);
  });

  it('the best-overlapping object decides, even when already taken', () => {
    const result = vocAP({
      groundTruth: [gt('1', [0, 0, 10, 10]), gt('1', [4, 0, 14, 10])],
      detections: [
        det('1', [0, 0, 10, 10], 0.9), // takes object 0 (IoU 1)
        det('1', [1, 0, 11, 10], 0.8), // IoU 9/11 with object 0 (taken) > 7/13 with object 1
      ],
    });
    // recall [.5, .5], precision [1, .5]: AP = 0.5 * 1.
    expect(result.perClass.a.falsePositives).toBe(1);
    expect(result.perClass.a.ap).toBe(0.5);
  });

  it('plusOnePixel widens boxes by one pixel (py-faster-rcnn convention)', () => {
    const truth = [gt('1', [0, 0, 10, 10])];
    const dets = [det('1', [0, 0, 10, 5], 0.9)];
    // Continuous: IoU = 50 / 100 = 0.5, not > 0.5: a miss.
    expect(vocAP({ groundTruth: truth, detections: dets }).perClass.a.ap).toBe(0);
    // Pixel-inclusive: IoU = 11 * 6 / (11 * 11) = 0.545...: a hit.
    expect(vocAP({ groundTruth: truth, detections: dets, plusOnePixel: true }).perClass.a.ap).toBe(
      1,
    );
    // iouThreshold moves the cut.
    expect(vocAP({ groundTruth: truth, detections: dets, iouThreshold: 0.49 }).perClass.a.ap).toBe(
      1,
    );
  });

  it('averages classes; classes without positives are reported and skipped', () => {
    const result = vocAP({
      groundTruth: [gt('1', [0, 0, 10, 10], false, 1), gt('1', [0, 0, 10, 10], false, 2)],
      detections: [
        det('1', [0, 0, 10, 10], 0.9, 1), // class 1: AP 1
        det('9', [0, 0, 10, 10], 0.9, 2), // class 2: detection on another image -> AP 0
        det('1', [0, 0, 10, 10], 0.9, 3), // class 3 has no ground truth
      ],
    });
    expect(Object.keys(result.perClass)).toEqual(['1', '2']);
    expect(result.perClass['1'].ap).toBe(1);
    expect(result.perClass['2'].ap).toBe(0);
    expect(result.mAP).toBe(0.5);
    expect(result.skippedClasses).toEqual([3]);
  });

  it('vocApFromCurve: no detections gives 0', () => {
    expect(vocApFromCurve([], [])).toBe(0);
    expect(vocApFromCurve([], [], true)).toBe(0);
  });

  it('rejects bad input naming the entry and field', () => {
    const cases: [() => unknown, string][] = [
      [
        () => vocAP({ groundTruth, detections: [det('1', [0, 0, 1, 1], Number.NaN)] }),
        'detections[0].score',
      ],
      [
        () => vocAP({ groundTruth: [gt('1', [10, 0, 5, 10])], detections: [] }),
        'groundTruth[0].box',
      ],
      [() => vocAP({ groundTruth, detections, iouThreshold: 1.5 }), 'iouThreshold'],
      [() => vocAP({ groundTruth: [gt('1', [0, 0, 1, 1], true)], detections: [] }), 'groundTruth'],
    ];
    for (const [fn, field] of cases) {
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MetricsInputError);
      expect((error as MetricsInputError).field).toBe(field);
      expect((error as Error).message).toContain(field);
    }
  });
});
