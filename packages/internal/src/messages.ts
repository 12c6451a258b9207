import { describe } from './describe.js';

/**
 * The one wording of "option `option` of `fn` is wrong":
 * `fn: option "option" must be <rule> (got <describe(value)>)`, e.g.
 * `withSchedule: option "clipNorm" must be a finite number > 0 (got -1)`.
 * `rule` completes "must be": `'a finite number > 0'`, `"one of 'min', 'max'"`.
 */
export function optionMessage(fn: string, option: string, rule: string, value: unknown): string {
  return `${fn}: option "${option}" must be ${rule} (got ${describe(value)})`;
}

const normalise = (key: string): string => key.toLowerCase().replace(/[_-]/g, '');

/**
 * The option of `allowed` that `key` names in another spelling: the same letters up to case,
 * `_` and `-` (`from_logits` → `fromLogits`), else `hints[key]` when that is in `allowed`
 * (`sample_weight` → `weights`). `undefined` when there is none.
 */
export function closestOption(
  key: string,
  allowed: readonly string[],
  hints: Readonly<Record<string, string>> = {},
): string | undefined {
  const match = allowed.find((a) => normalise(a) === normalise(key));
  if (match !== undefined) return match;
  const hint = Object.hasOwn(hints, key) ? hints[key] : undefined;
  return hint !== undefined && allowed.includes(hint) ? hint : undefined;
}

/**
 * `fn: unknown option "key" (<note>); the options are a, b, c`. `note` (optional) is e.g.
 * `did you mean fromLogits?` or `not supported`.
 */
export function unknownOptionMessage(
  fn: string,
  key: string,
  allowed: readonly string[],
  note?: string,
): string {
  return `${fn}: unknown option "${key}"${note ? ` (${note})` : ''}; the options are ${allowed.join(', ')}`;
}
