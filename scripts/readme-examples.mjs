#!/usr/bin/env node
// `pnpm test:readme`: every TypeScript block of every README (root + packages/*/README.md) is a
// test. The packages are packed (`pnpm pack`, their built dist/: run `pnpm build` first) and
// installed into fresh npm projects outside the workspace, one per install line: each block
// gets exactly what the README's `npm i ...` line before it names (see scripts/readme/extract.mjs).
// Each block is type-checked with `tsc --strict` (NodeNext) and run twice: as an ES module and
// as CommonJS (`.cts`, compiled to `require`). Values the comments state (`lr(0); // 0.01`,
// `console.log(x); // prints 0.9`, `// true`) are compared with what the code computes, at the
// precision they are written with. A block that says "not run by the README tests" (with why)
// is skipped. A self-check first makes sure that a wrong comment and a type error are caught.
// Also: `minimize` with a conv in a consumer with only @burnin/backend, tfjs-core and
// tfjs-backend-cpu (ESM and CJS).
//
// Options: --keep (keep the temp folder), --verbose (stream command output),
//          --only=<substring of a README path>
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, killChildren } from './e2e/lib.mjs';
import { installConsumer, packAll } from './readme/consumer.mjs';
import { CHECK_SOURCE, extractBlocks, transformBlock } from './readme/extract.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const verbose = argv.includes('--verbose');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const unknown = argv.filter(
  (a) => !['--keep', '--verbose'].includes(a) && !a.startsWith('--only='),
);
if (unknown.length > 0) {
  console.error(
    `readme-examples: unknown option ${unknown.join(' ')}\nusage: node scripts/readme-examples.mjs [--keep] [--verbose] [--only=README]`,
  );
  process.exit(2);
}

const started = performance.now();
const temp = mkdtempSync(join(tmpdir(), 'burnin-readme-'));
const logFile = join(temp, 'readme.log');
writeFileSync(logFile, '');
const log = (chunk) => {
  appendFileSync(logFile, chunk);
  if (verbose) process.stdout.write(chunk);
};
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !/^(npm_(command|lifecycle_|package_|execpath|node_execpath)|npm_config_(user_agent|verify_deps_before_run)|pnpm_config_|PNPM_|INIT_CWD)/i.test(
        k,
      ),
  ),
);
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const typesNode = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).devDependencies[
  '@types/node'
];

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  killChildren();
  if (keep) console.log(`kept ${temp} (log: ${logFile})`);
  else rmSync(temp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

const seconds = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const readmes = [
  'README.md',
  ...['backend', 'losses', 'metrics', 'schedules', 'tfjs-adapter'].map(
    (p) => `packages/${p}/README.md`,
  ),
].filter((f) => !only || f.includes(only));

// Data files the examples read, copied into each consumer's folder (the examples name them).
const FIXTURES = {
  'gt.json': 'packages/metrics/test/fixtures/coco/fx1_gt.json',
  'dt.json': 'packages/metrics/test/fixtures/coco/fx1_dt.json',
  'instances_val2017.json': 'packages/metrics/test/fixtures/coco/fx1_gt.json',
  'detections.json': 'packages/metrics/test/fixtures/coco/fx1_dt.json',
  'pipeline.config': 'scripts/readme/fixtures/pipeline.config',
};

/** The ESM/CJS tsconfig of a consumer: strict, NodeNext, the published .d.ts checked. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    moduleDetection: 'force',
    strict: true,
    // tfjs-core's own .d.ts do not type-check (`Long`); ours are checked by attw and e2e:publish.
    skipLibCheck: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: 'src',
    noEmitOnError: false,
  },
  include: ['src'],
};

const failures = [];
let total = 0;

function slug(file, line) {
  return `${file.replace(/\/README\.md$|\.md$/, '').replace(/[^a-z0-9]+/gi, '_')}_L${line}`;
}

/** tsc over a consumer: resolves to { file: [errors] } keyed by source file. */
async function typecheck(dir) {
  const { output } = await exec('node', [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: dir,
    env,
    log,
    allowFailure: true,
    timeoutMs: 300_000,
  });
  const errors = {};
  for (const line of output.split('\n')) {
    const m = /^(src\/[^(]+)\(\d+,\d+\): error/.exec(line);
    const key = m ? m[1] : /error TS/.test(line) ? '*' : null;
    if (key === null) continue;
    if (!errors[key]) errors[key] = [];
    errors[key].push(line.trim());
  }
  return errors;
}

async function runFile(dir, file) {
  const result = await exec('node', [file], {
    cwd: dir,
    env,
    log,
    allowFailure: true,
    timeoutMs: 180_000,
  });
  const lines = result.output.split('\n');
  const checkFailures = lines.filter((l) => l.startsWith('README-CHECK FAIL'));
  const done = lines.find((l) => l.startsWith('README-CHECK done'));
  return { code: result.code, output: result.output, checkFailures, done };
}

/** Writes the blocks of one consumer as src/<slug>.ts and src/<slug>.cts. */
function writeBlocks(dir, blocks) {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', '__check.ts'), CHECK_SOURCE);
  writeFileSync(join(dir, 'src', '__check.cts'), CHECK_SOURCE);
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  for (const [name, from] of Object.entries(FIXTURES))
    copyFileSync(join(repo, from), join(dir, name));
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    const esm = transformBlock(block.code, {
      where,
      checkImport: "import { __check } from './__check.js';",
    });
    const cjs = transformBlock(block.code, {
      where,
      cjs: true,
      checkImport: "import { __check } from './__check.cjs';",
    });
    writeFileSync(join(dir, 'src', `${block.slug}.ts`), esm.code);
    writeFileSync(join(dir, 'src', `${block.slug}.cts`), cjs.code);
    block.checks = esm.checks;
  }
}

function fail(what, detail) {
  failures.push({ what, detail });
  console.log(
    `  FAIL ${what}${
      detail
        ? `\n${detail
            .split('\n')
            .map((l) => `       ${l}`)
            .join('\n')}`
        : ''
    }`,
  );
}

async function checkConsumer(name, dir, blocks, { expectFailures = false } = {}) {
  const t = performance.now();
  const errors = await typecheck(dir);
  const results = [];
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    const typeErrors = [
      ...(errors[`src/${block.slug}.ts`] ?? []),
      ...(errors[`src/${block.slug}.cts`] ?? []),
    ];
    const runs = {};
    for (const [kind, file] of [
      ['esm', `dist/${block.slug}.js`],
      ['cjs', `dist/${block.slug}.cjs`],
    ]) {
      runs[kind] = await runFile(dir, file);
    }
    results.push({ block, where, typeErrors, runs });
    if (expectFailures) continue;
    total++;
    const problems = [];
    if (typeErrors.length > 0) problems.push(`tsc --strict:\n${typeErrors.slice(0, 6).join('\n')}`);
    for (const [kind, run] of Object.entries(runs)) {
      if (run.checkFailures.length > 0) problems.push(`${kind}: ${run.checkFailures.join('\n')}`);
      else if (run.code !== 0)
        problems.push(
          `${kind}: exited ${run.code}\n${run.output.trimEnd().split('\n').slice(-8).join('\n')}`,
        );
    }
    if (problems.length > 0) fail(`${where} (${name})`, problems.join('\n'));
    else
      console.log(
        `  ok   ${where}: tsc, ESM and CJS runs${block.checks ? `, ${block.checks} stated value${block.checks === 1 ? '' : 's'} checked` : ''}`,
      );
  }
  if (errors['*']) fail(`${name}: tsc`, errors['*'].join('\n'));
  console.log(`  (${name}: ${seconds(t)})`);
  return results;
}

async function main() {
  console.log(`README examples: ${readmes.join(', ')}`);
  let t = performance.now();
  const tarballs = await packAll(repo, join(temp, 'tarballs'), env);
  console.log(`packed ${Object.keys(tarballs).length} packages (${seconds(t)})`);

  // Group the blocks by install line: one consumer project per distinct set of packages.
  const groups = new Map();
  const skipped = [];
  for (const file of readmes) {
    for (const block of extractBlocks(readFileSync(join(repo, file), 'utf8'))) {
      const b = { ...block, file, slug: slug(file, block.line) };
      if (b.skip) {
        skipped.push(b);
        continue;
      }
      if (!b.install) {
        fail(
          `${file}:${b.line}`,
          'no install line (`npm i ...`) before this block in its section or at the top of the README',
        );
        continue;
      }
      const key = [...new Set(b.install)].sort().join(' ');
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(b);
    }
  }

  // Self-check: a wrong stated value, a type error and a throwing block must all be reported.
  t = performance.now();
  const selfDir = join(temp, 'self-check');
  await installConsumer(selfDir, {
    names: ['@burnin/schedules'],
    tarballs,
    repo,
    type: 'module',
    devDependencies: { '@types/node': typesNode },
    env,
    log,
  });
  const planted = [
    {
      file: 'self-check',
      line: 1,
      slug: 'wrong_value',
      code: "import { constant } from '@burnin/schedules';\nconstant({ value: 0.5 })(3); // 0.4\n",
    },
    {
      file: 'self-check',
      line: 2,
      slug: 'wrong_sequence',
      code: "import { linear } from '@burnin/schedules';\nlinear({ from: 0, to: 1, steps: 4 }); // 0, 0.25, 0.6, ...\n",
    },
    {
      file: 'self-check',
      line: 3,
      slug: 'type_error',
      code: "import { constant } from '@burnin/schedules';\nconst n: string = constant({ value: 1 })(0);\nconsole.log(n);\n",
    },
    {
      file: 'self-check',
      line: 4,
      slug: 'throws',
      code: "import { constant } from '@burnin/schedules';\nconstant({ value: 1 })(-1);\n",
    },
    {
      file: 'self-check',
      line: 5,
      slug: 'right',
      code: "import { linear } from '@burnin/schedules';\nlinear({ from: 0, to: 1, steps: 4 }); // 0, .25, .5, ...\nconsole.log(1 / 3); // prints 0.333\n",
    },
  ];
  writeBlocks(selfDir, planted);
  const self = await checkConsumer('self-check', selfDir, planted, { expectFailures: true });
  const by = Object.fromEntries(self.map((r) => [r.block.slug, r]));
  const selfProblems = [];
  for (const kind of ['esm', 'cjs']) {
    if (!by.wrong_value.runs[kind].checkFailures.some((l) => /says 0\.4; got 0\.5/.test(l)))
      selfProblems.push(`${kind}: a wrong value was not reported`);
    if (!by.wrong_sequence.runs[kind].checkFailures.some((l) => /got 0, 0\.25, 0\.5/.test(l)))
      selfProblems.push(`${kind}: a wrong sequence was not reported`);
    if (by.throws.runs[kind].code === 0) selfProblems.push(`${kind}: a throwing block exited 0`);
    if (
      by.right.runs[kind].code !== 0 ||
      !/2 passed, 0 failed/.test(by.right.runs[kind].done ?? '')
    )
      selfProblems.push(
        `${kind}: right values were not accepted (${by.right.runs[kind].output.trim()})`,
      );
  }
  if (by.type_error.typeErrors.length === 0) selfProblems.push('a type error was not reported');
  if (selfProblems.length > 0) fail('self-check', selfProblems.join('\n'));
  else
    console.log(
      `self-check: wrong values, a type error and a throw are caught, right values pass (${seconds(t)})`,
    );

  for (const [key, blocks] of groups) {
    t = performance.now();
    const dir = join(temp, `consumer-${groups.size > 1 ? [...groups.keys()].indexOf(key) : 0}`);
    console.log(`\nnpm i ${key}  (${blocks.length} block${blocks.length === 1 ? '' : 's'})`);
    try {
      await installConsumer(dir, {
        names: key.split(' '),
        tarballs,
        repo,
        type: 'module',
        devDependencies: { '@types/node': typesNode },
        env,
        log,
      });
    } catch (error) {
      fail(`npm install ${key}`, `${error.message}\n${error.detail ?? ''}`);
      continue;
    }
    console.log(`  installed (${seconds(t)})`);
    writeBlocks(dir, blocks);
    await checkConsumer(key, dir, blocks);
  }

  // Gradients in plain Node with tfjs-core alone (no @tensorflow/tfjs, no tfjs-layers).
  t = performance.now();
  const gradDir = join(temp, 'gradients');
  const gradNames = ['@burnin/backend', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu'];
  console.log(`\nnpm i ${gradNames.join(' ')}  (minimize with a conv after initBackend('cpu'))`);
  await installConsumer(gradDir, {
    names: gradNames,
    tarballs,
    repo,
    type: 'module',
    devDependencies: { '@types/node': typesNode },
    env,
    log,
  });
  const gradBlock = {
    file: 'scripts/readme/gradients.ts',
    line: 1,
    slug: 'gradients',
    code: readFileSync(join(repo, 'scripts', 'readme', 'gradients.ts'), 'utf8'),
  };
  writeBlocks(gradDir, [gradBlock]);
  await checkConsumer('gradients', gradDir, [gradBlock]);
  console.log(`  (${seconds(t)})`);

  for (const b of skipped) console.log(`skipped ${b.file}:${b.line}: ${b.skip}`);
  console.log(
    `\nREADME examples: ${total - failures.filter((f) => f.what !== 'self-check').length} of ${total} passed, ${skipped.length} skipped, ${failures.length} failure${failures.length === 1 ? '' : 's'} (${seconds(started)})`,
  );
  if (failures.length > 0) {
    console.log(`log: ${logFile}${keep ? '' : ' (rerun with --keep to keep it)'}`);
    process.exitCode = 1;
  }
}

main()
  .catch((error) => {
    console.error(`readme-examples: ${error.message}\n${error.detail ?? ''}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
