#!/usr/bin/env node
// `pnpm e2e:publish`: publishes every public package of the workspace to a throw-away local
// Verdaccio through the same `pnpm release` a real release uses, installs them into fresh npm
// projects outside the workspace, and checks what was published. See CONTRIBUTING.md.
//
// Options:
//   --keep           keep the temp folders (their paths are printed) for debugging
//   --verbose        stream the output of every command
//   --source=head    test the committed HEAD (git archive) instead of the working tree
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, E2eError, exec, killChildren, StepFailed, Steps } from './e2e/lib.mjs';
import { checkPublishedPackage, selfCheckPackageChecks } from './e2e/package-checks.mjs';
import { startRegistry } from './e2e/registry.mjs';
import {
  assertLocalRegistries,
  changesetsRegistry,
  resolvePublishRegistries,
} from './e2e/registry-guard.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const consumersDir = join(repo, 'scripts', 'e2e', 'consumers');
const args = new Set(process.argv.slice(2));
const known = new Set(['--keep', '--verbose', '--source=head', '--source=worktree']);
const unknown = [...args].filter((a) => !known.has(a));
if (unknown.length > 0 || args.has('--help')) {
  console.error(
    `${unknown.length > 0 ? `e2e:publish: unknown option ${unknown.join(' ')}\n` : ''}` +
      'usage: pnpm e2e:publish [--keep] [--verbose] [--source=head|worktree]',
  );
  process.exit(2);
}
const keep = args.has('--keep');
const verbose = args.has('--verbose');
const source = args.has('--source=head') ? 'head' : 'worktree';
const SNAPSHOT_TAG = 'e2e';

const started = performance.now();
const temp = mkdtempSync(join(tmpdir(), 'burnin-e2e-'));
const copy = join(temp, 'repo');
const logFile = join(temp, 'e2e.log');
const consumerRoot = mkdtempSync(join(tmpdir(), 'burnin-e2e-consumers-'));
writeFileSync(logFile, '');
const log = (chunk) => {
  appendFileSync(logFile, chunk);
  if (verbose) process.stdout.write(chunk);
};

// Environment of the commands: the caller's, minus what `pnpm run` injects for this script.
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !/^(npm_(command|lifecycle_|package_|execpath|node_execpath)|npm_config_(user_agent|verify_deps_before_run)|pnpm_config_|PNPM_PACKAGE_NAME|PNPM_SCRIPT_SRC_DIR|INIT_CWD)/i.test(
        k,
      ),
  ),
);
baseEnv.TURBO_TELEMETRY_DISABLED = '1';
baseEnv.COREPACK_ENABLE_DOWNLOAD_PROMPT = '0';

let registry;
let cleanedUp = false;

/** Stops Verdaccio and every command still running, removes the temp folders; true if done. */
async function cleanup() {
  if (cleanedUp) return true;
  cleanedUp = true;
  killChildren();
  if (registry) await registry.stop().catch(() => {});
  if (keep) {
    console.log(`\nkept: ${temp} (log: ${logFile})\n      ${consumerRoot}`);
    return true;
  }
  await Promise.all(
    [temp, consumerRoot].map((dir) =>
      rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {}),
    ),
  );
  return !existsSync(temp) && !existsSync(consumerRoot);
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => {
    console.error(`\ne2e:publish: ${signal}, stopping Verdaccio and removing temp folders`);
    cleanup().finally(() => process.exit(code));
  });
}
process.on('exit', () => {
  // last resort when something exits without going through cleanup(): synchronous only
  if (!cleanedUp) {
    killChildren('SIGKILL');
    if (!keep)
      for (const dir of [temp, consumerRoot]) rmSync(dir, { recursive: true, force: true });
  }
});

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Copies the tracked and untracked-but-not-ignored files of the working tree (or HEAD). */
async function copyRepository() {
  mkdirSync(copy, { recursive: true });
  if (source === 'head') {
    await exec('sh', ['-c', 'git archive --format=tar HEAD | tar -x -C "$1"', 'sh', copy], {
      cwd: repo,
      log,
    });
    return;
  }
  const { stdout } = await exec(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: repo },
  );
  let copied = 0;
  for (const rel of new Set(stdout.split('\0').filter(Boolean))) {
    const from = join(repo, rel);
    if (!existsSync(from)) continue; // deleted in the working tree
    const to = join(copy, rel);
    mkdirSync(dirname(to), { recursive: true });
    const stat = lstatSync(from);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (stat.isFile()) copyFileSync(from, to);
    copied++;
  }
  check(copied > 0, 'git ls-files listed no files');
}

/** Public packages that changesets releases: not private, not in .changeset/config.json's ignore. */
function publicPackages() {
  const config = readJson(join(copy, '.changeset', 'config.json'));
  const ignored = new Set(config.ignore ?? []);
  const out = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = join(copy, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir).sort()) {
      const file = join(groupDir, name, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = readJson(file);
      if (!pkg.private && !ignored.has(pkg.name)) out.push({ name: pkg.name, dir: dirname(file) });
    }
  }
  return out;
}

/**
 * The pending changesets of the copy, each with the first problem of its frontmatter (a
 * `---` fenced block of `'package': major|minor|patch` lines naming workspace packages).
 */
function pendingChangesets() {
  const dir = join(copy, '.changeset');
  const names = new Set(
    ['packages', 'apps'].flatMap((group) =>
      existsSync(join(copy, group))
        ? readdirSync(join(copy, group))
            .map((d) => join(copy, group, d, 'package.json'))
            .filter((f) => existsSync(f))
            .map((f) => readJson(f).name)
        : [],
    ),
  );
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const m = /^---\r?\n([\s\S]*?)\r?\n---(\r?\n|$)/.exec(text);
      if (!m)
        return {
          file,
          problem: "has no frontmatter block ('---', 'package': bump lines, '---') on top",
        };
      for (const line of m[1].split(/\r?\n/).filter((l) => l.trim())) {
        const entry = /^\s*(['"]?)([^'"]+)\1\s*:\s*(major|minor|patch)\s*$/.exec(line);
        if (!entry)
          return {
            file,
            problem: `frontmatter line ${JSON.stringify(line)} is not 'package': bump`,
          };
        if (!names.has(entry[2]))
          return { file, problem: `${entry[2]} is not a workspace package` };
      }
      return { file };
    });
}

/** Writes a consumer project (template files + package.json + .npmrc) and installs it with npm. */
async function installConsumer(name, { type, dependencies, devDependencies = {} }) {
  const dir = join(consumerRoot, name);
  mkdirSync(dir, { recursive: true });
  const walk = (from, to) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        mkdirSync(join(to, entry.name), { recursive: true });
        walk(join(from, entry.name), join(to, entry.name));
      } else copyFileSync(join(from, entry.name), join(to, entry.name));
    }
  };
  walk(join(consumersDir, name), dir);
  const manifest = { name: `burnin-e2e-${name}`, version: '1.0.0', private: true, type };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ ...manifest, dependencies, devDependencies }, null, 2)}\n`,
  );
  // @burnin/* from the local registry, everything else from the default registry.
  writeFileSync(
    join(dir, '.npmrc'),
    `@burnin:registry=${registry.url}\n//${registry.host}/:_authToken=${registry.token}\n`,
  );
  const env = { ...baseEnv, 'npm_config_@burnin:registry': registry.url };
  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    env,
    log,
  });
  for (const [dep, version] of Object.entries(dependencies)) {
    if (!dep.startsWith('@burnin/')) continue;
    const installed = readJson(join(dir, 'node_modules', dep, 'package.json'));
    check(
      installed.version === version,
      `${name}: installed ${dep}@${installed.version}, want ${version}`,
    );
    // the tarball npm installed is the one on the local registry (the lockfile's `resolved`
    // may be omitted by the user's npm config, its `integrity` is always there)
    const locked = readJson(join(dir, 'package-lock.json')).packages[`node_modules/${dep}`] ?? {};
    const packument = await fetch(new URL(dep.replace('/', '%2f'), registry.url)).then((r) =>
      r.json(),
    );
    const integrity = packument.versions?.[version]?.dist?.integrity;
    check(
      integrity && locked.integrity === integrity,
      `${name}: ${dep} was installed with integrity ${locked.integrity}, the local registry has ${integrity}`,
    );
    check(
      !locked.resolved || locked.resolved.startsWith(registry.url),
      `${name}: ${dep} was resolved from ${locked.resolved}, not from ${registry.url}`,
    );
  }
  // `npm ls` fails on missing or invalid (peer) dependencies
  await exec('npm', ['ls', '--all'], { cwd: dir, env, log });
  return { dir, env };
}

const steps = new Steps();
let exitCode = 0;
try {
  console.log(
    `e2e:publish: source ${source === 'head' ? 'git HEAD' : 'working tree'}, temp ${temp}`,
  );

  await steps.run('copy the repository to a temp folder', copyRepository);

  await steps.run('pnpm install --frozen-lockfile --prefer-offline (temp copy)', () =>
    exec('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], {
      cwd: copy,
      env: baseEnv,
      log,
    }),
  );

  registry = await steps.run('start Verdaccio on 127.0.0.1 (no uplinks), add a user', async () => {
    const dir = join(temp, 'verdaccio');
    mkdirSync(dir);
    const r = await startRegistry({ root: copy, dir, log });
    console.log(`  registry ${r.url}`);
    return r;
  });

  const packages = publicPackages();
  check(packages.length > 0, 'no public packages found');

  const version = await steps.run(`changeset version --snapshot ${SNAPSHOT_TAG}`, async () => {
    // changesets' own parse error does not name the file: name it first
    const bad = pendingChangesets()
      .map(({ file, problem }) => problem && `.changeset/${file}: ${problem}`)
      .filter(Boolean);
    check(
      bad.length === 0,
      `malformed changesets (a real release would fail too):\n  - ${bad.join('\n  - ')}`,
    );
    // a changeset for every public package, so that each one gets a snapshot version
    const frontmatter = packages.map((p) => `'${p.name}': patch`).join('\n');
    writeFileSync(
      join(copy, '.changeset', 'e2e-snapshot.md'),
      `---\n${frontmatter}\n---\n\nSnapshot for the publish end-to-end test.\n`,
    );
    await exec('pnpm', ['exec', 'changeset', 'version', '--snapshot', SNAPSHOT_TAG], {
      cwd: copy,
      env: baseEnv,
      log,
    });
    const versions = new Set(packages.map((p) => readJson(join(p.dir, 'package.json')).version));
    check(versions.size === 1, `packages got different snapshot versions: ${[...versions]}`);
    const [v] = versions;
    check(v.includes(`-${SNAPSHOT_TAG}-`), `version ${v} is not a ${SNAPSHOT_TAG} snapshot`);
    console.log(`  ${packages.length} packages at ${v}: ${packages.map((p) => p.name).join(', ')}`);
    return v;
  });

  // The release gets the registry explicitly, in the environment (which changesets passes on to
  // `pnpm publish`) and in the temp copy's .npmrc, with the token for that host.
  const publishEnv = {
    ...baseEnv,
    npm_config_registry: registry.url,
    'npm_config_@burnin:registry': registry.url,
  };
  appendFileSync(
    join(copy, '.npmrc'),
    `\nregistry=${registry.url}\n@burnin:registry=${registry.url}\n//${registry.host}/:_authToken=${registry.token}\n`,
  );

  await steps.run('registry guard refuses public registries', () => {
    const pkg = { name: packages[0].name };
    const cases = [
      ['no registry set', {}],
      ['npmjs.org', { npm_config_registry: 'https://registry.npmjs.org/' }],
      ['localhost (not 127.0.0.1)', { npm_config_registry: `http://localhost:${registry.port}/` }],
      [
        'scoped registry on npmjs.org',
        { ...publishEnv, 'npm_config_@burnin:registry': 'https://registry.npmjs.org/' },
      ],
    ];
    for (const [what, env] of cases) {
      const url = changesetsRegistry(pkg, env);
      let refused = false;
      try {
        assertLocalRegistries([{ source: what, url }]);
      } catch (err) {
        refused = err instanceof E2eError && err.message.startsWith('refusing to publish');
      }
      check(refused, `the guard let ${what} (${url}) through`);
    }
    assertLocalRegistries([{ source: 'local', url: changesetsRegistry(pkg, publishEnv) }]);
  });

  await steps.run('registry guard: every resolved registry is on 127.0.0.1', async () => {
    const resolved = await resolvePublishRegistries({
      root: copy,
      packageDirs: packages.map((p) => p.dir),
      env: publishEnv,
    });
    assertLocalRegistries(resolved);
    const urls = new Set(resolved.map((r) => r.url).filter((u) => u && u !== 'undefined'));
    console.log(`  ${resolved.length} lookups resolve to ${[...urls].join(', ')}`);
  });

  await steps.run(`pnpm release --tag ${SNAPSHOT_TAG} (turbo build + changeset publish)`, () =>
    exec('pnpm', ['release', '--tag', SNAPSHOT_TAG, '--no-git-tag'], {
      cwd: copy,
      env: publishEnv,
      log,
    }),
  );

  const tfjsRange = readJson(join(copy, 'packages', 'losses', 'package.json')).peerDependencies?.[
    '@tensorflow/tfjs-core'
  ];
  check(tfjsRange, 'packages/losses has no @tensorflow/tfjs-core peer range');
  const rootPkg = readJson(join(copy, 'package.json'));
  const tooling = {
    typescript: rootPkg.devDependencies.typescript,
    '@types/node': rootPkg.devDependencies['@types/node'],
  };

  // The consumers are independent projects: install and run them concurrently.
  const consumers = [
    {
      step: 'consumer (a) ESM TypeScript + @burnin/schedules: tsc, run',
      name: 'esm-ts',
      type: 'module',
      dependencies: { '@burnin/schedules': version },
      devDependencies: tooling,
      tsc: true,
      main: 'out/index.js',
    },
    {
      step: 'consumer (b) CommonJS require @burnin/losses + tfjs: tsc --checkJs, run',
      name: 'cjs',
      type: 'commonjs',
      dependencies: { '@burnin/losses': version, '@tensorflow/tfjs': tfjsRange },
      devDependencies: tooling,
      tsc: true,
      main: 'index.js',
    },
    {
      step: 'consumer (c) train: tfjs-adapter + schedules + backend + tfjs',
      name: 'train',
      type: 'module',
      dependencies: {
        '@burnin/backend': version,
        '@burnin/schedules': version,
        '@burnin/tfjs-adapter': version,
        '@tensorflow/tfjs': tfjsRange,
      },
      main: 'train.mjs',
    },
    {
      step: 'consumer (d) CommonJS TypeScript + @burnin/metrics: tsc, run',
      name: 'metrics-cts',
      type: 'commonjs',
      dependencies: { '@burnin/metrics': version },
      devDependencies: tooling,
      tsc: true,
      main: 'out/index.js',
    },
  ];
  await steps.runAll(
    consumers.map((c) => [
      c.step,
      async () => {
        const { dir, env } = await installConsumer(c.name, c);
        if (c.tsc) {
          await exec(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: dir, env, log });
        }
        const { stdout } = await exec(process.execPath, [c.main], { cwd: dir, env, log });
        console.log(`  ${stdout.trim().split('\n').at(-1)}`);
      },
    ]),
  );

  await steps.run('package checks detect planted problems (self-check)', selfCheckPackageChecks);

  const tarballs = join(temp, 'tarballs');
  for (const pkg of packages) {
    await steps.run(`published ${pkg.name}: manifest + tarball contents`, async () => {
      const { files, bytes } = await checkPublishedPackage({
        url: registry.url,
        name: pkg.name,
        version,
        tag: SNAPSHOT_TAG,
        workDir: tarballs,
      });
      console.log(`  ${files} files, ${(bytes / 1024).toFixed(1)} KiB tarball`);
    });
  }
} catch (err) {
  exitCode = 1;
  const failures = steps.results.filter((r) => !r.ok);
  if (failures.length === 0) failures.push({ name: '(outside a step)', error: err });
  for (const { name, error } of failures) {
    const cause = error instanceof StepFailed ? error.cause : error;
    console.error(`\n✘ e2e:publish failed at step "${name}":\n${cause?.message ?? cause}`);
    if (cause?.detail) {
      console.error(`\n--- last output of the failed command ---\n${cause.detail}\n---`);
    }
    if (!(cause instanceof E2eError) && cause?.stack) console.error(cause.stack);
  }
} finally {
  const t = performance.now();
  const removed = await cleanup();
  const name = keep ? 'stop Verdaccio (temp folders kept)' : 'stop Verdaccio, remove temp folders';
  steps.record(name, removed, performance.now() - t);
  if (!removed) {
    exitCode = 1;
    console.error(`\n✘ could not remove ${temp} or ${consumerRoot}`);
  }
}

const total = performance.now() - started;
const fmtSeconds = (ms) => `${(ms / 1000).toFixed(0)} s`;
console.log(`\n${steps.table(total)}\n`);
const passed = steps.results.filter((r) => r.ok).length;
const failed = steps.results.length - passed;
if (total > 300_000) console.log(`warning: took ${fmtSeconds(total)}, over the 5 minute budget`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = exitCode;
