/**
 * A training set's COCO `instances.json` read with `@burnin/metrics`' parser (the one the
 * evaluators use), its errors restated as {@link CocoDatasetError}s in the trainer's words.
 */
import { CocoFormatError, type CocoGroundTruth, parseCocoGroundTruth } from '@burnin/metrics';
import { CocoDatasetError } from './errors.js';

const LISTS = new Set(['images', 'annotations', 'categories']);
/** Singular of a list's name, for "duplicate image id 4", "unknown category id 9". */
const ITEM: Record<string, string> = { images: 'image', categories: 'category' };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `e`, a CocoFormatError of `parseCocoGroundTruth`, as the trainer's error for `file`. */
function restate(file: string, e: CocoFormatError): CocoDatasetError {
  const { section, index, field, value } = e;
  if (section === null) {
    if (LISTS.has(field))
      return new CocoDatasetError(
        file,
        undefined,
        undefined,
        value === undefined
          ? `missing top-level field "${field}"`
          : `top-level field "${field}" must be an array`,
      );
    return new CocoDatasetError(
      file,
      undefined,
      undefined,
      'must be a JSON object with images, annotations and categories',
    );
  }
  const entry = `${section}[${index}]`;
  const integer = Number.isInteger(value);
  let reason: string;
  switch (field) {
    case '(entry)':
      return new CocoDatasetError(file, entry, undefined, 'must be an object');
    case 'id': // an integer id that the parser refuses is a duplicate
      reason = integer
        ? `duplicate ${ITEM[section]} id ${value}`
        : `must be an integer, got ${JSON.stringify(value)}`;
      break;
    case 'image_id':
    case 'category_id': // an integer id that the parser refuses is not listed
      reason = integer
        ? `unknown ${field === 'image_id' ? 'image' : 'category'} id ${value}`
        : `must be an integer, got ${JSON.stringify(value)}`;
      break;
    case 'name':
      reason = 'must be a non-empty string';
      break;
    case 'iscrowd':
      reason = `must be 0 or 1, got ${JSON.stringify(value)}`;
      break;
    case 'bbox': {
      const box = value as number[] | undefined;
      // the parser checks the shape first: a 4-number box it refuses has a negative side
      reason =
        Array.isArray(box) && box.length === 4 && box.every((v) => Number.isFinite(v))
          ? `width and height must be > 0, got width ${box[2]}, height ${box[3]}`
          : `must be [x, y, width, height] of 4 finite numbers, got ${JSON.stringify(box)}`;
      break;
    }
    default: // the parser's own words, after its `file: entry.field: ` prefix
      reason = e.message.slice(`${file}: ${entry}.${field}: `.length);
  }
  return new CocoDatasetError(file, entry, field, reason);
}

/**
 * Validates the parsed `instances.json` of `file` with `parseCocoGroundTruth` and returns its
 * normalized copy (annotations: `image_id`, `category_id` listed, `bbox` 4 finite numbers
 * with sides >= 0, `iscrowd` 0/1). Annotation ids and areas are evaluation's business, not
 * training's: they are neither required nor checked here. Every problem throws
 * CocoDatasetError naming the file, the entry and the field. The trainer's own rules
 * (integer ids, image sizes, names, boxes inside their image) are its caller's.
 */
export function parseGroundTruth(file: string, root: unknown): CocoGroundTruth {
  const input =
    isObject(root) && Array.isArray(root.annotations)
      ? {
          ...root,
          annotations: root.annotations.map((a, k) => (isObject(a) ? { ...a, id: k, area: 0 } : a)),
        }
      : root;
  try {
    return parseCocoGroundTruth(input, file);
  } catch (e) {
    if (e instanceof CocoFormatError) throw restate(file, e);
    throw e;
  }
}

/** An id field that must be an integer (COCO ids are; the parser accepts any finite number). */
export function integerId(file: string, entry: string, field: string, v: number): number {
  if (!Number.isInteger(v))
    throw new CocoDatasetError(file, entry, field, `must be an integer, got ${JSON.stringify(v)}`);
  return v;
}
