import { ScheduleParseError } from '../errors.js';

/** A scalar token of the protobuf text format. @internal */
export interface TextScalar {
  kind: 'number' | 'identifier' | 'string';
  text: string;
  value: number | string;
}

/** A field of a parsed text-format message. @internal */
export interface TextField {
  name: string;
  line: number;
  column: number;
  /** A scalar, or a nested message (list of fields). */
  value: TextScalar | TextField[];
}

interface Token {
  type: 'ident' | 'number' | 'string' | 'punct';
  text: string;
  line: number;
  column: number;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    const column = i - lineStart + 1;
    if ('{}<>:[],;'.includes(c)) {
      tokens.push({ type: 'punct', text: c, line, column });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let out = '';
      while (j < n && src[j] !== c) {
        if (src[j] === '\n') throw new ScheduleParseError('unterminated string', line, column);
        if (src[j] === '\\' && j + 1 < n) {
          const e = src[j + 1];
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else {
          out += src[j++];
        }
      }
      if (j >= n) throw new ScheduleParseError('unterminated string', line, column);
      tokens.push({ type: 'string', text: out, line, column });
      i = j + 1;
      continue;
    }
    const num = /^[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?/.exec(
      src.slice(i, i + 64),
    );
    if (num && (c !== '-' && c !== '+' ? true : num[0].length > 1)) {
      tokens.push({ type: 'number', text: num[0], line, column });
      i += num[0].length;
      continue;
    }
    const id = /^[-]?[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i, i + 256));
    if (id) {
      tokens.push({ type: 'ident', text: id[0], line, column });
      i += id[0].length;
      continue;
    }
    throw new ScheduleParseError(`unexpected character ${JSON.stringify(c)}`, line, column);
  }
  return tokens;
}

function scalar(t: Token): TextScalar {
  if (t.type === 'number') {
    const text = t.text.replace(/[fF]$/, '');
    return { kind: 'number', text: t.text, value: Number(text) };
  }
  if (t.type === 'string') return { kind: 'string', text: t.text, value: t.text };
  const lower = t.text.toLowerCase();
  if (lower === 'inf' || lower === 'infinity')
    return { kind: 'number', text: t.text, value: Number.POSITIVE_INFINITY };
  if (lower === '-inf' || lower === '-infinity')
    return { kind: 'number', text: t.text, value: Number.NEGATIVE_INFINITY };
  if (lower === 'nan') return { kind: 'number', text: t.text, value: Number.NaN };
  return { kind: 'identifier', text: t.text, value: t.text };
}

/**
 * Parses protobuf text format (as used by `pipeline.config`) into a list of fields.
 * Supports `name: value`, `name { ... }`, `name: { ... }`, `name < ... >`, `name: [a, b]`,
 * `#` comments and optional `,`/`;` separators. @internal
 */
export function parseTextProto(src: string): TextField[] {
  const tokens = tokenize(src);
  let pos = 0;
  const end = tokens.length;
  const eofLine = src.split('\n').length;

  function peek(): Token | undefined {
    return tokens[pos];
  }
  function message(close: string | null): TextField[] {
    const fields: TextField[] = [];
    for (;;) {
      const t = peek();
      if (!t) {
        if (close)
          throw new ScheduleParseError(`expected "${close}" but found end of input`, eofLine, 1);
        return fields;
      }
      if (t.type === 'punct' && close && t.text === close) {
        pos++;
        return fields;
      }
      if (t.type === 'punct' && (t.text === ',' || t.text === ';')) {
        pos++;
        continue;
      }
      if (t.type !== 'ident') {
        throw new ScheduleParseError(
          `expected a field name but found ${JSON.stringify(t.text)}`,
          t.line,
          t.column,
        );
      }
      pos++;
      const name = t.text;
      let next = peek();
      let colon = false;
      if (next && next.type === 'punct' && next.text === ':') {
        colon = true;
        pos++;
        next = peek();
      }
      if (!next)
        throw new ScheduleParseError(`missing value of field "${name}"`, t.line, t.column, name);
      if (next.type === 'punct' && (next.text === '{' || next.text === '<')) {
        pos++;
        fields.push({
          name,
          line: t.line,
          column: t.column,
          value: message(next.text === '{' ? '}' : '>'),
        });
        continue;
      }
      if (!colon)
        throw new ScheduleParseError(
          `expected ":" or "{" after field "${name}"`,
          next.line,
          next.column,
          name,
        );
      if (next.type === 'punct' && next.text === '[') {
        pos++;
        for (;;) {
          const v = peek();
          if (!v)
            throw new ScheduleParseError('expected "]" but found end of input', eofLine, 1, name);
          if (v.type === 'punct' && v.text === ']') {
            pos++;
            break;
          }
          if (v.type === 'punct' && v.text === ',') {
            pos++;
            continue;
          }
          if (v.type === 'punct')
            throw new ScheduleParseError(`unexpected "${v.text}" in list`, v.line, v.column, name);
          pos++;
          fields.push({ name, line: v.line, column: v.column, value: scalar(v) });
        }
        continue;
      }
      if (next.type === 'punct') {
        throw new ScheduleParseError(
          `expected a value for field "${name}" but found "${next.text}"`,
          next.line,
          next.column,
          name,
        );
      }
      pos++;
      fields.push({ name, line: t.line, column: t.column, value: scalar(next) });
    }
  }

  const fields = message(null);
  if (pos < end) {
    const t = tokens[pos];
    throw new ScheduleParseError(`unexpected ${JSON.stringify(t.text)}`, t.line, t.column);
  }
  return fields;
}
