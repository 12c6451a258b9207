import { brandErrorClass, describe } from '@burnin/internal';

/**
 * Thrown when COCO ground truth or results are malformed: not JSON, a missing or mistyped field,
 * a box with negative size, an unknown `image_id` / `category_id`, a non-finite score.
 *
 * `file` names the source (a path, or a label such as `'<ground truth>'` for in-memory data),
 * `section` the top-level list (`images`, `annotations`, `categories`, `results`), `index` the
 * entry's position in that list (or `null` for a top-level problem) and `field` the field name.
 * Like every error of this package it carries the burnin error brand, `Symbol.for('@burnin/error')`.
 */
export class CocoFormatError extends Error {
  override readonly name = 'CocoFormatError';
  static {
    brandErrorClass(CocoFormatError);
  }
  readonly file: string;
  readonly section: string | null;
  readonly index: number | null;
  readonly field: string;
  readonly value: unknown;

  constructor(
    file: string,
    section: string | null,
    index: number | null,
    field: string,
    problem: string,
    value?: unknown,
  ) {
    const where =
      section === null
        ? field
        : index === null
          ? `${section}.${field}`
          : `${section}[${index}].${field}`;
    super(`${file}: ${where}: ${problem}${value === undefined ? '' : `, got ${describe(value)}`}`);
    this.file = file;
    this.section = section;
    this.index = index;
    this.field = field;
    this.value = value;
  }
}

/**
 * Thrown for an invalid option or input of an evaluator or metric function (for example
 * `iouThresholds` outside [0, 1], a non-integer `maxDets`, a VOC box with `x2 < x1`). `field`
 * names the option or input field, `value` holds the offending value.
 */
export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
  static {
    brandErrorClass(MetricsInputError);
  }
  declare readonly field: string;
  declare readonly value: unknown;

  constructor(field: string, problem: string, value?: unknown) {
    super(`${field}: ${problem}${value === undefined ? '' : `, got ${describe(value)}`}`);
    Object.assign(this, { field, value });
  }
}

/** Short printable form of a bad value for error messages (shared by every burnin package). */
export { describe };
