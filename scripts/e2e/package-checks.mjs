// Checks of what was really published: the manifest the registry serves and the files of the
// tarball it hands out, for one package version.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { check, E2eError, exec } from './lib.mjs';

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];

/** `name@range` for every dependency range that uses pnpm's `workspace:` protocol. */
export function workspaceRanges(manifest) {
  const found = [];
  for (const field of DEP_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) found.push(`${field}.${dep}: ${range}`);
    }
  }
  return found;
}

/** Paths (relative to the package root) that look like tests, benchmarks or test configs. */
export function testFiles(files) {
  return files.filter(
    (f) =>
      /(^|\/)(test|tests|__tests__|__mocks__|bench|fixtures)\//.test(f) ||
      /\.(test|spec|bench)\.[cm]?[jt]sx?$/.test(f) ||
      /(^|\/)(vitest|vite|jest|tsup)\.config\.[cm]?[jt]s$/.test(f),
  );
}

/** Every file path an `exports` map / main / module / types / bin field points at. */
export function entryPoints(manifest) {
  const out = new Set();
  const walk = (value) => {
    if (typeof value === 'string') out.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const field of ['main', 'module', 'types', 'typings']) walk(manifest[field]);
  walk(typeof manifest.bin === 'string' ? { bin: manifest.bin } : manifest.bin);
  return [...out].filter((p) => !p.includes('*')).map((p) => posix.normalize(p));
}

/**
 * Source-map problems: `.map` files whose `sources` are neither in the tarball nor inlined in
 * `sourcesContent`, and `sourceMappingURL` comments that point at files not in the tarball.
 */
export function sourceMapProblems(files, read) {
  const have = new Set(files);
  const problems = [];
  for (const file of files) {
    if (file.endsWith('.map')) {
      let map;
      try {
        map = JSON.parse(read(file));
      } catch {
        problems.push(`${file} is not valid JSON`);
        continue;
      }
      const base = posix.join(posix.dirname(file), map.sourceRoot ?? '');
      (map.sources ?? []).forEach((source, i) => {
        if (map.sourcesContent?.[i] != null) return;
        const target = posix.normalize(posix.join(base, source));
        if (!have.has(target)) problems.push(`${file} points at missing ${source} (${target})`);
      });
    } else if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) {
      const m = /\/[/*][#@] sourceMappingURL=([^\s*]+)/.exec(read(file));
      if (m && !m[1].startsWith('data:')) {
        const target = posix.normalize(posix.join(posix.dirname(file), m[1]));
        if (!have.has(target))
          problems.push(`${file} names source map ${m[1]}, not in the tarball`);
      }
    }
  }
  return problems;
}

function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Fetches `name@version` from the registry at `url`, downloads and unpacks its tarball into
 * `workDir`, and checks it. Returns `{ files, bytes }`; throws an E2eError listing every problem.
 */
export async function checkPublishedPackage({ url, name, version, tag, workDir }) {
  const res = await fetch(new URL(name.replace('/', '%2f'), url));
  check(res.ok, `GET ${name} from the registry answered HTTP ${res.status}`);
  const packument = await res.json();
  const manifest = packument.versions?.[version];
  check(
    manifest,
    `${name}@${version} is not on the registry (has ${Object.keys(packument.versions ?? {})})`,
  );
  const problems = [];
  if (tag && packument['dist-tags']?.[tag] !== version) {
    problems.push(`dist-tag ${tag} is ${packument['dist-tags']?.[tag]}, expected ${version}`);
  }
  for (const w of workspaceRanges(manifest)) problems.push(`registry manifest has ${w}`);

  const tgz = Buffer.from(await (await fetch(manifest.dist.tarball)).arrayBuffer());
  const [algo, digest] = manifest.dist.integrity.split('-');
  const actual = createHash(algo).update(tgz).digest('base64');
  if (actual !== digest) problems.push(`tarball does not match dist.integrity (${algo})`);

  const dir = join(workDir, `${name.replace('/', '__')}`);
  mkdirSync(dir, { recursive: true });
  const tgzPath = join(dir, 'package.tgz');
  writeFileSync(tgzPath, tgz);
  await exec('tar', ['-xzf', tgzPath, '-C', dir]);
  const root = join(dir, 'package');
  check(existsSync(root), `${name}: the tarball has no package/ folder`);
  const files = listFiles(root);
  const read = (f) => readFileSync(join(root, f), 'utf8');

  const packed = JSON.parse(read('package.json'));
  if (packed.version !== version) problems.push(`package.json version is ${packed.version}`);
  for (const w of workspaceRanges(packed)) problems.push(`package.json in the tarball has ${w}`);
  if (!files.some((f) => f.startsWith('dist/'))) problems.push('no dist/ files');
  for (const required of ['README.md', 'LICENSE', 'package.json']) {
    if (!files.includes(required)) problems.push(`${required} is missing`);
    else if (statSync(join(root, required)).size === 0) problems.push(`${required} is empty`);
  }
  for (const f of testFiles(files)) problems.push(`test file shipped: ${f}`);
  for (const entry of entryPoints(packed)) {
    if (!files.includes(entry))
      problems.push(`package.json points at ${entry}, not in the tarball`);
  }
  problems.push(...sourceMapProblems(files, read));

  if (problems.length > 0) {
    throw new E2eError(`${name}@${version}:\n  - ${problems.join('\n  - ')}`);
  }
  return { files: files.length, bytes: tgz.length, dir: dirname(tgzPath) };
}

/**
 * Plants each kind of problem in a fake package and throws unless every check above reports
 * it, so that a green run means the checks can fail.
 */
export function selfCheckPackageChecks() {
  const expectFound = (what, found, want) => {
    for (const w of want) {
      check(
        found.some((f) => f.includes(w)),
        `the package checks missed ${what} ${w} (found ${JSON.stringify(found)})`,
      );
    }
  };
  expectFound(
    'a workspace range',
    workspaceRanges({ dependencies: { a: 'workspace:^' }, peerDependencies: { b: 'workspace:*' } }),
    ['dependencies.a', 'peerDependencies.b'],
  );
  expectFound(
    'a test file',
    testFiles([
      'dist/index.js',
      'test/a.test.ts',
      'dist/b.spec.js',
      'bench/c.bench.ts',
      'README.md',
    ]),
    ['test/a.test.ts', 'dist/b.spec.js', 'bench/c.bench.ts'],
  );
  check(
    testFiles(['dist/index.js', 'dist/index.d.ts']).length === 0,
    'dist files flagged as tests',
  );
  expectFound(
    'an entry point',
    entryPoints({
      exports: { '.': { require: { types: './dist/index.d.cts', default: './dist/index.cjs' } } },
      main: './dist/main.cjs',
    }),
    ['dist/index.d.cts', 'dist/index.cjs', 'dist/main.cjs'],
  );
  const files = {
    'dist/a.js': '//# sourceMappingURL=a.js.map',
    'dist/a.js.map': JSON.stringify({ sources: ['../src/a.ts'] }),
    'dist/b.cjs': '//# sourceMappingURL=b.cjs.map',
    'dist/c.js.map': JSON.stringify({ sources: ['../src/c.ts'], sourcesContent: ['export {}'] }),
  };
  const problems = sourceMapProblems(Object.keys(files), (f) => files[f]);
  expectFound('a source map problem', problems, ['../src/a.ts', 'b.cjs.map']);
  check(problems.length === 2, `unexpected source map problems: ${JSON.stringify(problems)}`);
}
