const MAX_STRING = 60;
const MAX_JSON = 80;

const clip = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max)}…` : text;

/** The name of `value`'s class when it is an instance of one (not a plain object or array). */
function className(value: object): string | null {
  if (Array.isArray(value)) return null;
  const proto = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return null;
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : null;
}

/**
 * Short printable form of a rejected value, for the `(got ...)` part of an error message. Never
 * throws, whatever the value.
 *
 * - numbers as JavaScript prints them (`NaN`, `Infinity`, `-1e-7`), bigints as `5n (a bigint)`,
 *   symbols as `Symbol(x) (a symbol)`, `undefined`, `null`, `true`;
 * - strings JSON-quoted (`"xy"`), cut after 60 characters (`…`);
 * - functions as `a function`; instances of a class by their class (`a Tensor`, `an Error`);
 * - plain objects and arrays as JSON (non-finite numbers inside as `"NaN"`, `"Infinity"`), cut
 *   after 80 characters (`…`); what JSON cannot print (a cycle) as `[object Object]`.
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'string':
      return JSON.stringify(clip(value, MAX_STRING));
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'symbol':
      return `${String(value)} (a symbol)`;
    case 'function':
      return 'a function';
  }
  if (value === null) return 'null';
  const name = className(value as object);
  if (name !== null) return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v)
        ? String(v)
        : typeof v === 'bigint'
          ? `${v}n`
          : v,
    );
    return clip(text ?? Object.prototype.toString.call(value), MAX_JSON);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
