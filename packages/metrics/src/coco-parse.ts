import type {
  CocoAnnotation,
  CocoBox,
  CocoCategory,
  CocoGroundTruth,
  CocoImage,
  CocoResult,
} from './coco-types.js';
import { CocoFormatError } from './errors.js';

/** Default `source` label of in-memory ground truth in error messages. */
export const GROUND_TRUTH_SOURCE = '<ground truth>';
/** Default `source` label of in-memory results in error messages. */
export const RESULTS_SOURCE = '<results>';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A {@link CocoFormatError} about the whole file: `problem (the error's message)`. */
export function fileError(source: string, problem: string, error: unknown): CocoFormatError {
  return new CocoFormatError(
    source,
    null,
    null,
    '(file)',
    `${problem} (${(error as Error).message})`,
  );
}

/** Parses JSON text, turning a syntax error into a {@link CocoFormatError}. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fileError(source, 'not valid JSON', error);
  }
}

function requireList(root: Record<string, unknown>, key: string, source: string): unknown[] {
  const list = root[key];
  if (!Array.isArray(list)) {
    throw new CocoFormatError(source, null, null, key, 'expected an array', list);
  }
  return list;
}

function requireEntry(entry: unknown, source: string, section: string, index: number) {
  if (!isRecord(entry)) {
    throw new CocoFormatError(source, section, index, '(entry)', 'expected an object', entry);
  }
  return entry;
}

function requireId(
  entry: Record<string, unknown>,
  field: string,
  source: string,
  section: string,
  index: number,
): number {
  const value = entry[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CocoFormatError(
      source,
      section,
      index,
      field,
      value === undefined ? 'missing (expected a finite number)' : 'expected a finite number',
      value,
    );
  }
  return value;
}

/** {@link requireId} whose value must also be in `known`; else `problem` names the list. */
function requireKnownId(
  entry: Record<string, unknown>,
  field: string,
  known: { has(id: number): boolean },
  problem: string,
  source: string,
  section: string,
  index: number,
): number {
  const value = requireId(entry, field, source, section, index);
  if (!known.has(value)) throw new CocoFormatError(source, section, index, field, problem, value);
  return value;
}

/**
 * Checks a COCO box `[x, y, width, height]`: 4 finite numbers, width >= 0 and height >= 0.
 * Returns a fresh 4-tuple.
 */
function requireBox(
  entry: Record<string, unknown>,
  source: string,
  section: string,
  index: number,
): CocoBox {
  const box = entry.bbox;
  if (box === undefined) {
    throw new CocoFormatError(
      source,
      section,
      index,
      'bbox',
      'missing (expected [x, y, width, height])',
    );
  }
  if (
    !Array.isArray(box) ||
    box.length !== 4 ||
    !box.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    throw new CocoFormatError(
      source,
      section,
      index,
      'bbox',
      'expected [x, y, width, height] with 4 finite numbers',
      box,
    );
  }
  if (box[2] < 0 || box[3] < 0) {
    throw new CocoFormatError(
      source,
      section,
      index,
      'bbox',
      'width and height must be >= 0 (boxes are [x, y, width, height])',
      box,
    );
  }
  return [box[0], box[1], box[2], box[3]];
}

/**
 * Validates COCO ground truth and returns a normalized copy (annotations reduced to `id`,
 * `image_id`, `category_id`, `bbox`, `area`, `iscrowd` 0/1).
 *
 * `json` is the parsed object, or JSON text (a string). Throws {@link CocoFormatError} naming
 * `source`, the list, the entry index and the field for: invalid JSON, a missing
 * `images`/`annotations`/`categories` list, a missing or non-finite `id`, duplicate ids, a
 * category without a string `name`, an annotation whose `image_id` / `category_id` is not
 * listed, a `bbox` that is not 4 finite numbers or has negative width/height, a missing or
 * negative/non-finite `area`, an `iscrowd` other than 0, 1, true or false.
 */
export function parseCocoGroundTruth(json: unknown, source = GROUND_TRUTH_SOURCE): CocoGroundTruth {
  if (typeof json === 'string') json = parseJsonText(json, source);
  if (!isRecord(json)) {
    throw new CocoFormatError(
      source,
      null,
      null,
      '(root)',
      'expected an object with images, annotations and categories',
      json,
    );
  }
  const rawImages = requireList(json, 'images', source);
  const rawAnnotations = requireList(json, 'annotations', source);
  const rawCategories = requireList(json, 'categories', source);

  const imageIds = new Set<number>();
  const images: CocoImage[] = rawImages.map((raw, i) => {
    const entry = requireEntry(raw, source, 'images', i);
    const id = requireId(entry, 'id', source, 'images', i);
    if (imageIds.has(id)) {
      throw new CocoFormatError(source, 'images', i, 'id', 'duplicate image id', id);
    }
    imageIds.add(id);
    return { ...entry, id };
  });

  const categoryIds = new Set<number>();
  const categories: CocoCategory[] = rawCategories.map((raw, i) => {
    const entry = requireEntry(raw, source, 'categories', i);
    const id = requireId(entry, 'id', source, 'categories', i);
    if (categoryIds.has(id)) {
      throw new CocoFormatError(source, 'categories', i, 'id', 'duplicate category id', id);
    }
    categoryIds.add(id);
    if (typeof entry.name !== 'string') {
      throw new CocoFormatError(source, 'categories', i, 'name', 'expected a string', entry.name);
    }
    return { ...entry, id, name: entry.name };
  });

  const annotationIds = new Set<number>();
  const annotations: CocoAnnotation[] = rawAnnotations.map((raw, i) => {
    const entry = requireEntry(raw, source, 'annotations', i);
    const id = requireId(entry, 'id', source, 'annotations', i);
    if (annotationIds.has(id)) {
      throw new CocoFormatError(source, 'annotations', i, 'id', 'duplicate annotation id', id);
    }
    annotationIds.add(id);
    const imageId = requireKnownId(
      entry,
      'image_id',
      imageIds,
      'not the id of an entry of images',
      source,
      'annotations',
      i,
    );
    const categoryId = requireKnownId(
      entry,
      'category_id',
      categoryIds,
      'not the id of an entry of categories',
      source,
      'annotations',
      i,
    );
    const bbox = requireBox(entry, source, 'annotations', i);
    const area = entry.area;
    if (typeof area !== 'number' || !Number.isFinite(area) || area < 0) {
      throw new CocoFormatError(
        source,
        'annotations',
        i,
        'area',
        area === undefined ? 'missing (expected a number >= 0)' : 'expected a finite number >= 0',
        area,
      );
    }
    const crowd = entry.iscrowd;
    if (crowd !== undefined && crowd !== 0 && crowd !== 1 && crowd !== true && crowd !== false) {
      throw new CocoFormatError(
        source,
        'annotations',
        i,
        'iscrowd',
        'expected 0, 1, true or false',
        crowd,
      );
    }
    return {
      id,
      image_id: imageId,
      category_id: categoryId,
      bbox,
      area,
      iscrowd: crowd === 1 || crowd === true ? 1 : 0,
    };
  });

  return { images, annotations, categories };
}

/**
 * Validates one results entry against known image and category ids; throws
 * {@link CocoFormatError} naming `source`, `index` and the field. Shared by
 * {@link parseCocoResults} and `CocoEvaluator.addDetections`.
 */
export function checkCocoResult(
  raw: unknown,
  index: number,
  source: string,
  imageIds: { has(id: number): boolean },
  categoryIds: { has(id: number): boolean },
): asserts raw is CocoResult {
  const entry = requireEntry(raw, source, 'results', index);
  const imageProblem = 'unknown image id (not in the ground truth images)';
  requireKnownId(entry, 'image_id', imageIds, imageProblem, source, 'results', index);
  const categoryProblem = 'unknown category id (not in the ground truth categories)';
  requireKnownId(entry, 'category_id', categoryIds, categoryProblem, source, 'results', index);
  requireBox(entry, source, 'results', index);
  const score = entry.score;
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new CocoFormatError(
      source,
      'results',
      index,
      'score',
      score === undefined ? 'missing (expected a finite number)' : 'expected a finite number',
      score,
    );
  }
}

/**
 * Validates COCO detection results (a JSON array of `{ image_id, category_id, bbox, score }`,
 * or its text) against validated ground truth and returns normalized copies.
 *
 * Throws {@link CocoFormatError} naming `source`, the entry index and the field for: invalid
 * JSON, a non-array, a missing field, an `image_id` or `category_id` absent from the ground
 * truth, a `bbox` that is not 4 finite numbers or has negative width/height, a non-finite
 * (NaN, ±Infinity) or non-numeric `score`. An empty array is valid.
 */
export function parseCocoResults(
  json: unknown,
  groundTruth: CocoGroundTruth,
  source = RESULTS_SOURCE,
): CocoResult[] {
  if (typeof json === 'string') json = parseJsonText(json, source);
  if (!Array.isArray(json)) {
    throw new CocoFormatError(
      source,
      null,
      null,
      '(root)',
      'expected an array of {image_id, category_id, bbox, score}',
      json,
    );
  }
  const imageIds = new Set(groundTruth.images.map((image) => image.id));
  const categoryIds = new Set(groundTruth.categories.map((category) => category.id));
  return json.map((raw, i) => {
    checkCocoResult(raw, i, source, imageIds, categoryIds);
    const box = raw.bbox;
    return {
      image_id: raw.image_id,
      category_id: raw.category_id,
      bbox: [box[0], box[1], box[2], box[3]],
      score: raw.score,
    };
  });
}
