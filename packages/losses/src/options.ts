import { closestOption, type NumberRule, unknownOptionMessage } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { LossOptionError } from './errors.js';

const LOSS = ['weights', 'reduction'];

/** The option keys each options type accepts. @internal */
export const OPTION_KEYS = {
  loss: LOSS,
  labelSmoothing: [...LOSS, 'labelSmoothing'],
  binaryCrossentropy: [...LOSS, 'labelSmoothing', 'fromLogits'],
  cosineSimilarity: [...LOSS, 'axis'],
  sigmoidFocal: [...LOSS, 'alpha', 'gamma'],
  penaltyReducedFocal: [...LOSS, 'alpha', 'beta', 'sigmoidClip'],
  binaryFocal: [...LOSS, 'applyClassBalancing', 'alpha', 'gamma', 'fromLogits', 'labelSmoothing'],
  box: [...LOSS, 'format', 'eps'],
  boxIou: ['format'],
  localization: [...LOSS, 'ignoreNanTargets'],
  smoothL1Localization: [...LOSS, 'ignoreNanTargets', 'delta'],
  huber: [...LOSS, 'delta'],
  smoothL1: [...LOSS, 'beta'],
} as const;

/** Keras / PyTorch / torchvision spellings that case and underscores alone do not map. */
const SPELLING_HINTS: Record<string, string> = {
  weight: 'weights',
  sample_weight: 'weights',
  sampleWeight: 'weights',
  pos_weight: 'weights',
  epsilon: 'eps',
  in_fmt: 'format',
  box_format: 'format',
  dim: 'axis',
};

/**
 * Validates the options argument of the loss `fn`: `undefined` or a plain object whose keys are
 * all in `allowed`. A Tensor, number or array there (`tf.losses`' positional `weights`, e.g.
 * `meanSquaredError(y, p, w)`) is a `TypeError` that shows the right call; an unknown key is a
 * {@link LossOptionError} naming it, listing the options and hinting Keras/torch spellings.
 * Reads no tensor values.
 */
export function checkOptions<T extends object>(
  fn: string,
  options: T | undefined,
  allowed: readonly string[],
  args = '(labels, predictions, ',
): T {
  if (options === undefined) return {} as T;
  const o = options as unknown;
  if (
    o instanceof tf.Tensor ||
    typeof o !== 'object' ||
    o === null ||
    Array.isArray(o) ||
    ArrayBuffer.isView(o)
  ) {
    const what = o instanceof tf.Tensor ? 'a Tensor' : Array.isArray(o) ? 'an array' : String(o);
    const fix = allowed.includes('weights')
      ? `; for weights use ${fn}${args}{ weights })`
      : ` { ${allowed.join(', ')} }`;
    throw new TypeError(`${fn}: the third argument is an options object, got ${what}${fix}`);
  }
  for (const key of Object.keys(o)) {
    // An unset optional (`{ alpha: undefined }`) is not an option given.
    if (allowed.includes(key) || (o as Record<string, unknown>)[key] === undefined) continue;
    const match = closestOption(key, allowed, SPELLING_HINTS);
    throw new LossOptionError(
      fn,
      key,
      (o as Record<string, unknown>)[key],
      `one of ${allowed.join(', ')}`,
      unknownOptionMessage(fn, key, allowed, match && `did you mean ${match}?`),
    );
  }
  return options;
}

/**
 * The number option `option` of `fn`: `value`, or `fallback` when it is unset (`undefined` or
 * `null`), checked against `rule`. Throws {@link LossOptionError} naming the option, the value
 * and the rule (`huberLoss: option delta = 0 must be a finite number > 0`); never clamps.
 */
export function numberOption(
  fn: string,
  option: string,
  value: number | null | undefined,
  fallback: number,
  rule: NumberRule,
): number {
  const v = value ?? fallback;
  if (!rule.test(v)) throw new LossOptionError(fn, option, v, rule.text);
  return v;
}
