import { TrainerError } from '../errors.js';
/**
 * An image file that is missing, unreadable or not a decodable image.
 * `file` is the path as given; `reason` is the underlying cause in words.
 */
export class ImageDecodeError extends TrainerError {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: cannot read image: ${reason}`);
  }
}

/**
 * A pixel array or box list passed to an image helper has the wrong shape or
 * holds a non-finite value. `argument` names the parameter.
 */
export class ImageArgumentError extends TrainerError {
  override readonly name = 'ImageArgumentError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/**
 * A COCO-format dataset that cannot be used. `file` is the annotation file (or
 * image file), `entry` the offending entry such as `annotations[3]` (absent for
 * file-level problems) and `field` the field inside it such as `bbox`.
 */
export class CocoDatasetError extends TrainerError {
  override readonly name = 'CocoDatasetError';
  constructor(
    readonly file: string,
    readonly entry: string | undefined,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    const where =
      entry === undefined ? '' : field === undefined ? `${entry}: ` : `${entry}.${field}: `;
    super(`${file}: ${where}${reason}`);
  }
}

/** An output file that cannot be written (missing folder, no permission, disk full). */
export class OutputFileError extends TrainerError {
  override readonly name = 'OutputFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: cannot write: ${reason}`);
  }
}
