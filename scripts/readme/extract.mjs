// README examples as tests (scripts/readme-examples.mjs): finds the TypeScript blocks of a
// README, the install line each one assumes, and turns the values their comments state
// (`lr(0); // 0.01`, `console.log(x); // prints 0.9`) into checks.
import ts from 'typescript';

/** A block that carries this text in a comment is not run (keep these few, say why). */
export const SKIP_MARKER = 'not run by the README tests';

/** Package names of an `npm i a b@1 -D ...` command (flags dropped). */
export function parseInstall(command) {
  const words = command
    .replace(/\s#.*$/, '')
    .trim()
    .split(/\s+/);
  const at = words.findIndex((w) => w === 'i' || w === 'install' || w === 'add');
  return words
    .slice(at + 1)
    .filter((w) => w && !w.startsWith('-') && !w.startsWith('#'))
    .map((w) => w.replace(/(.)@[^/]*$/, '$1'));
}

/**
 * The ```ts blocks of a README: `{ line, code, install, installLine, skip }`. `install` is the
 * nearest `npm i ...` (inline code on a line saying "assume(s)", or the first `npm i` line of a
 * sh block) before the block
 * in the same section (text since the last heading), else the README's first sh-block `npm i`;
 * null when there is none. `skip` is the reason given with {@link SKIP_MARKER}, or null.
 */
export function extractBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  let mainInstall = null;
  let sectionInstall = null;
  let fence = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      if (/^```\s*$/.test(line)) {
        if (fence.lang === 'ts' || fence.lang === 'typescript') {
          const code = fence.body.join('\n');
          const skipLine = fence.body.find((l) => l.includes(SKIP_MARKER));
          const install = sectionInstall ?? mainInstall;
          blocks.push({
            line: fence.start + 1,
            code,
            install: install?.packages ?? null,
            installLine: install?.line ?? null,
            skip: skipLine ? skipLine.replace(/^\s*\/\/\s*/, '').trim() : null,
          });
        } else if (fence.lang === 'sh' || fence.lang === 'bash') {
          // The first `npm i` line of a sh block is its install; later lines are alternatives
          // or optional extras (`npm i @tensorflow/tfjs-node`).
          const k = fence.body.findIndex((l) => /^\s*npm (?:i|install) /.test(l));
          if (k >= 0) {
            const found = { packages: parseInstall(fence.body[k]), line: fence.start + 2 + k };
            if (mainInstall === null) mainInstall = found;
            else sectionInstall = found;
          }
        }
        fence = null;
      } else {
        fence.body.push(line);
      }
      continue;
    }
    const open = /^```(\w*)/.exec(line);
    if (open) {
      fence = { lang: open[1], start: i, body: [] };
      continue;
    }
    if (/^#{1,6} /.test(line)) {
      sectionInstall = null;
      continue;
    }
    // Inline `npm i ...` counts when the line says the examples assume it ("Assumes `npm i
    // ...`"); others are fixes or alternatives (`npm i @tensorflow/tfjs-node`).
    if (!/assum/i.test(line)) continue;
    for (const m of line.matchAll(/`(npm (?:i|install) [^`]+)`/g)) {
      sectionInstall = { packages: parseInstall(m[1]), line: i + 1 };
    }
  }
  return blocks;
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i;

/**
 * What a trailing comment states about the value of its statement, or null when it states
 * none: `{ kind: 'values', values: [{ text, value }], more }` for numbers (`// 0.01 (burn-in)`,
 * `// 1 1 2 3 ...`, `// 0.1, 0.095, ...`; `more` = the list ends in `...`),
 * `{ kind: 'bool', value }`, `{ kind: 'string', value, prefix }` for a quoted string (`prefix`:
 * it ends in `...`). `// prints X` states what `console.log` prints.
 */
export function parseClaim(comment) {
  let text = comment.replace(/^\/\/\s?/, '').trim();
  text = text.replace(/^prints\s+/, '');
  if (/^(true|false)\b/.test(text)) return { kind: 'bool', value: text.startsWith('true') };
  const quoted = /^'((?:[^'\\]|\\.)*)'/.exec(text);
  if (quoted) {
    let value = JSON.parse(`"${quoted[1].replace(/"/g, '\\"').replace(/\\'/g, "'")}"`);
    const prefix = /\s*\.\.\.$/.test(value);
    if (prefix) value = value.replace(/\s*\.\.\.$/, '');
    return { kind: 'string', value, prefix };
  }
  const nested = /^\[[[\]\d\s.,eE+-]*\]/.exec(text);
  if (nested) {
    // `// [[1], [0.143]]`: an array literal of numbers, compared flattened.
    const numbers = nested[0].match(/[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi) ?? [];
    if (numbers.length === 0) return null;
    return {
      kind: 'values',
      values: numbers.map((t) => ({ text: t, value: Number(t) })),
      more: false,
    };
  }
  const values = [];
  let rest = text;
  let more = false;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest.startsWith('...')) {
      more = true;
      break;
    }
    const m = NUMBER.exec(rest);
    if (!m) break;
    const after = rest[m[0].length];
    // "2 threads", "10x": a number followed by a word is prose, not a value.
    if (after !== undefined && /[A-Za-z_]/.test(after)) break;
    values.push({ text: m[0], value: Number(m[0]) });
    rest = rest.slice(m[0].length);
    if (!/^[\s,]/.test(rest) && rest.length > 0) break;
  }
  if (values.length === 0) return null;
  return { kind: 'values', values, more };
}

function trailingComment(source, node) {
  const ranges = ts.getTrailingCommentRanges(source.text, node.end) ?? [];
  const first = ranges[0];
  if (!first || first.kind !== ts.SyntaxKind.SingleLineCommentTrivia) return null;
  return source.text.slice(first.pos, first.end);
}

/**
 * Rewrites a block into a runnable module: statements whose trailing comment states a value
 * are wrapped in `__check(() => value, claim, where)`; with `cjs`, every statement but the
 * imports goes into an async function (CommonJS has no top-level await). Returns
 * `{ code, checks }`.
 */
export function transformBlock(code, { where, cjs = false, checkImport }) {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  const imports = [];
  const body = [];
  let checks = 0;
  for (const statement of source.statements) {
    const text = code.slice(statement.getFullStart(), statement.end);
    if (ts.isImportDeclaration(statement)) {
      imports.push(text);
      continue;
    }
    const comment = trailingComment(source, statement);
    const claim = comment ? parseClaim(comment) : null;
    const line = source.getLineAndCharacterOfPosition(statement.getStart()).line + 1;
    const at = JSON.stringify(`${where}+${line}`);
    if (claim && ts.isExpressionStatement(statement)) {
      let expr = statement.expression;
      const printed = /^\/\/\s?prints\b/.test(comment);
      if (
        printed &&
        ts.isCallExpression(expr) &&
        expr.expression.getText(source) === 'console.log' &&
        expr.arguments.length === 1
      ) {
        expr = expr.arguments[0];
      }
      const call = `__check(() => (${expr.getText(source)}), ${JSON.stringify(claim)}, ${at});`;
      body.push(`${text.slice(0, text.length - statement.getText(source).length)}${call}`);
      checks++;
      continue;
    }
    body.push(text);
    if (claim && ts.isVariableStatement(statement)) {
      const declarations = statement.declarationList.declarations;
      if (declarations.length === 1 && ts.isIdentifier(declarations[0].name)) {
        const name = declarations[0].name.text;
        body.push(`__check(() => (${name}), ${JSON.stringify(claim)}, ${at});`);
        checks++;
      }
    }
  }
  const head = [checkImport, ...imports];
  if (!cjs) return { code: `${head.join('\n')}\n${body.join('')}\n`, checks };
  return {
    code: `${head.join('\n')}\n(async () => {${body.join('')}\n})().catch((error: unknown) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`,
    checks,
  };
}

/** Source of the `__check` helper the rewritten blocks import. */
export const CHECK_SOURCE = `
type Claim =
  | { kind: 'values'; values: { text: string; value: number }[]; more: boolean }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string; prefix: boolean };

function plain(value: unknown): unknown {
  const t = value as { arraySync?: () => unknown; dispose?: () => void } | null;
  if (t && typeof t === 'object' && typeof t.arraySync === 'function') return t.arraySync();
  return value;
}

/** True when \`actual\` rounds to \`text\` at the precision \`text\` is written with. */
function agrees(actual: number, text: string): boolean {
  const stated = Number(text);
  if (!Number.isFinite(actual)) return false;
  const m = /^[-+]?(\\d*)(?:\\.(\\d*))?(?:e([-+]?\\d+))?$/i.exec(text);
  const decimals = (m?.[2]?.length ?? 0) - Number(m?.[3] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  return Math.abs(actual - stated) <= half * (1 + 1e-9) + Math.abs(stated) * 1e-12;
}

let failures = 0;
let passed = 0;

export function __check(get: () => unknown, claim: Claim, where: string): void {
  const fail = (why: string) => {
    failures++;
    process.exitCode = 1;
    console.log('README-CHECK FAIL ' + where + ': ' + why);
  };
  let value: unknown;
  try {
    value = plain(get());
  } catch (error) {
    fail('threw ' + String(error));
    return;
  }
  if (claim.kind === 'bool') {
    if (value !== claim.value) fail('the comment says ' + claim.value + ', got ' + String(value));
    else passed++;
    return;
  }
  if (claim.kind === 'string') {
    const ok = typeof value === 'string' && (claim.prefix ? value.startsWith(claim.value) : value === claim.value);
    if (!ok) fail('the comment says ' + JSON.stringify(claim.value) + (claim.prefix ? '...' : '') + ', got ' + JSON.stringify(value));
    else passed++;
    return;
  }
  let actual: number[];
  if (typeof value === 'function' && (claim.values.length > 1 || claim.more)) {
    actual = claim.values.map((_, step) => Number((value as (s: number) => unknown)(step)));
  } else if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const flat = Array.isArray(value) ? (value as unknown[]).flat(Infinity) : Array.from(value as unknown as ArrayLike<number>);
    if (!flat.every((v) => typeof v === 'number')) {
      fail('the comment states numbers but the array holds ' + JSON.stringify(flat));
      return;
    }
    actual = flat as number[];
  } else if (typeof value === 'number' && claim.values.length === 1 && !claim.more) {
    actual = [value];
  } else {
    fail('the comment states ' + claim.values.map((v) => v.text).join(', ') + ' but the value is ' + String(value));
    return;
  }
  const bad = claim.values.findIndex((v, i) => !agrees(actual[i] as number, v.text));
  if (bad >= 0 || (!claim.more && actual.length !== claim.values.length)) {
    fail('the comment says ' + claim.values.map((v) => v.text).join(', ') + (claim.more ? ', ...' : '') + '; got ' + actual.slice(0, claim.values.length).join(', '));
    return;
  }
  passed++;
}

process.on('exit', () => {
  console.log('README-CHECK done ' + passed + ' passed, ' + failures + ' failed');
});
`;
