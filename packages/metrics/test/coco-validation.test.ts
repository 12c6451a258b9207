import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CocoEvaluator,
  CocoFormatError,
  type CocoGroundTruth,
  MetricsInputError,
  parseCocoGroundTruth,
  parseCocoResults,
} from '../src/index.js';
import { evaluateCocoFiles, readCocoGroundTruth, readCocoResults } from '../src/node.js';

const gt = (): CocoGroundTruth => ({
  images: [{ id: 1 }, { id: 2 }],
  categories: [{ id: 7, name: 'cat' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 7, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 7, bbox: [5, 5, 10, 10], area: 100, iscrowd: 0 },
  ],
});
const det = () => ({ image_id: 1, category_id: 7, bbox: [0, 0, 10, 10], score: 0.9 });

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectFormatError(
  fn: () => unknown,
  fields: { file: string; section: string | null; index: number | null; field: string },
) {
  const error = catchError(fn);
  expect(error).toBeInstanceOf(CocoFormatError);
  const e = error as CocoFormatError;
  expect({ file: e.file, section: e.section, index: e.index, field: e.field }).toEqual(fields);
  expect(e.message).toContain(fields.file);
  expect(e.message).toContain(fields.field);
  if (fields.index !== null) expect(e.message).toContain(`[${fields.index}]`);
  return e;
}

describe('ground truth validation', () => {
  it('rejects text that is not JSON', () => {
    const e = expectFormatError(() => parseCocoGroundTruth('{"images": [', 'gt.json'), {
      file: 'gt.json',
      section: null,
      index: null,
      field: '(file)',
    });
    expect(e.message).toMatch(/not valid JSON/);
  });

  it('rejects missing lists and fields', () => {
    const noAnnotations = { ...gt(), annotations: undefined };
    expectFormatError(() => parseCocoGroundTruth(noAnnotations, 'gt.json'), {
      file: 'gt.json',
      section: null,
      index: null,
      field: 'annotations',
    });
    const data = gt();
    delete (data.annotations[1] as Record<string, unknown>).area;
    const e = expectFormatError(() => parseCocoGroundTruth(data, 'gt.json'), {
      file: 'gt.json',
      section: 'annotations',
      index: 1,
      field: 'area',
    });
    expect(e.message).toBe('gt.json: annotations[1].area: missing (expected a number >= 0)');
    const noName = gt();
    delete (noName.categories[0] as Record<string, unknown>).name;
    expectFormatError(() => parseCocoGroundTruth(noName), {
      file: '<ground truth>',
      section: 'categories',
      index: 0,
      field: 'name',
    });
  });

  it('rejects a bbox with negative size, unknown ids and duplicate ids', () => {
    const negative = gt();
    negative.annotations[0].bbox = [0, 0, -1, 10];
    const e = expectFormatError(() => parseCocoGroundTruth(negative, 'gt.json'), {
      file: 'gt.json',
      section: 'annotations',
      index: 0,
      field: 'bbox',
    });
    expect(e.message).toContain('[0,0,-1,10]');
    const unknownImage = gt();
    unknownImage.annotations[1].image_id = 3;
    expectFormatError(() => parseCocoGroundTruth(unknownImage, 'gt.json'), {
      file: 'gt.json',
      section: 'annotations',
      index: 1,
      field: 'image_id',
    });
    const unknownCategory = gt();
    unknownCategory.annotations[1].category_id = 8;
    expectFormatError(() => parseCocoGroundTruth(unknownCategory, 'gt.json'), {
      file: 'gt.json',
      section: 'annotations',
      index: 1,
      field: 'category_id',
    });
    const duplicate = gt();
    duplicate.annotations[1].id = 1;
    expectFormatError(() => parseCocoGroundTruth(duplicate, 'gt.json'), {
      file: 'gt.json',
      section: 'annotations',
      index: 1,
      field: 'id',
    });
  });

  it('the evaluator validates its ground truth too', () => {
    const bad = gt();
    (bad.annotations[0] as { bbox: number[] }).bbox = [0, 0, 1];
    expect(() => new CocoEvaluator(bad)).toThrow(CocoFormatError);
  });
});

describe('results validation', () => {
  it('rejects unknown image_id and category_id with the entry index', () => {
    const truth = parseCocoGroundTruth(gt());
    expectFormatError(
      () => parseCocoResults([det(), { ...det(), image_id: 99 }], truth, 'dt.json'),
      { file: 'dt.json', section: 'results', index: 1, field: 'image_id' },
    );
    expectFormatError(
      () => parseCocoResults([det(), det(), { ...det(), category_id: 1 }], truth, 'dt.json'),
      { file: 'dt.json', section: 'results', index: 2, field: 'category_id' },
    );
  });

  it('rejects NaN and missing scores, negative boxes, non-arrays and bad JSON', () => {
    const truth = parseCocoGroundTruth(gt());
    const e = expectFormatError(
      () => parseCocoResults([det(), { ...det(), score: Number.NaN }], truth, 'dt.json'),
      { file: 'dt.json', section: 'results', index: 1, field: 'score' },
    );
    expect(e.message).toContain('NaN');
    const missing: Record<string, unknown> = det();
    delete missing.score;
    expectFormatError(() => parseCocoResults([missing], truth, 'dt.json'), {
      file: 'dt.json',
      section: 'results',
      index: 0,
      field: 'score',
    });
    expectFormatError(
      () => parseCocoResults([{ ...det(), bbox: [0, 0, 5, -2] }], truth, 'dt.json'),
      { file: 'dt.json', section: 'results', index: 0, field: 'bbox' },
    );
    expectFormatError(() => parseCocoResults({ results: [] }, truth, 'dt.json'), {
      file: 'dt.json',
      section: null,
      index: null,
      field: '(root)',
    });
    expectFormatError(() => parseCocoResults('[{"image_id": 1,', truth, 'dt.json'), {
      file: 'dt.json',
      section: null,
      index: null,
      field: '(file)',
    });
    expect(parseCocoResults([], truth)).toEqual([]);
  });

  it('addDetections validates the whole batch before adding any of it', () => {
    const evaluator = new CocoEvaluator(gt());
    expectFormatError(
      () => evaluator.addDetections([det(), { ...det(), score: Number.NaN }], 'batch 3'),
      { file: 'batch 3', section: 'results', index: 1, field: 'score' },
    );
    expect(evaluator.numDetections).toBe(0);
    evaluator.addDetections([det()]);
    expect(evaluator.numDetections).toBe(1);
  });
});

describe('file helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burnin-metrics-'));

  it('name the file in errors', async () => {
    const gtPath = join(dir, 'gt.json');
    const dtPath = join(dir, 'dt.json');
    writeFileSync(gtPath, JSON.stringify(gt()));
    writeFileSync(dtPath, JSON.stringify([det(), { ...det(), image_id: 5 }]));
    const truth = await readCocoGroundTruth(gtPath);
    await expect(readCocoResults(dtPath, truth)).rejects.toMatchObject({
      name: 'CocoFormatError',
      file: dtPath,
      index: 1,
      field: 'image_id',
    });
    writeFileSync(dtPath, 'not json');
    await expect(evaluateCocoFiles(gtPath, dtPath)).rejects.toMatchObject({
      file: dtPath,
      field: '(file)',
    });
    await expect(readCocoGroundTruth(join(dir, 'missing.json'))).rejects.toBeInstanceOf(
      CocoFormatError,
    );
  });
});

describe('options validation', () => {
  it('rejects out-of-range thresholds, bad maxDets and area ranges', () => {
    const cases: [object, string][] = [
      [{ iouThresholds: [0.5, 1.5] }, 'iouThresholds[1]'],
      [{ iouThresholds: [] }, 'iouThresholds'],
      [{ iouThresholds: [0.5, 0.5] }, 'iouThresholds[1]'],
      [{ maxDets: [1, 10] }, 'maxDets'],
      [{ maxDets: [1, 10, 2.5] }, 'maxDets[2]'],
      [{ areaRanges: [{ label: 'all', min: 10, max: 1 }] }, 'areaRanges[0].max'],
    ];
    for (const [options, field] of cases) {
      const error = catchError(() => new CocoEvaluator(gt(), options));
      expect(error).toBeInstanceOf(MetricsInputError);
      expect((error as MetricsInputError).field).toBe(field);
    }
  });
});
