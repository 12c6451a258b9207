// Shared by the README-examples test and the browser test: packs the workspace's public
// packages with `pnpm pack` and installs tarballs into fresh npm projects outside the workspace.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../e2e/lib.mjs';

/** The public packages: `{ name, dir, version, peerDependencies }`. */
export function publicPackages(repo) {
  return readdirSync(join(repo, 'packages'))
    .map((d) => join(repo, 'packages', d))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({ name: pkg.name, dir, pkg }));
}

/**
 * `pnpm pack`s every public package (its built `dist/` as is: build first) into `outDir`;
 * resolves to `{ [name]: tarballPath }`. pnpm replaces the `workspace:` ranges.
 */
export async function packAll(repo, outDir, env) {
  mkdirSync(outDir, { recursive: true });
  const tarballs = {};
  for (const { name, dir } of publicPackages(repo)) {
    const { stdout } = await exec('pnpm', ['pack', '--pack-destination', outDir], {
      cwd: dir,
      env,
    });
    const file = stdout
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.endsWith('.tgz'))
      .pop();
    if (!file) throw new Error(`pnpm pack printed no tarball for ${name}:\n${stdout}`);
    tarballs[name] = file.startsWith('/') ? file : join(outDir, file);
  }
  return tarballs;
}

/**
 * The version range a consumer installs for a third-party package: tfjs packages get the
 * `@tensorflow/tfjs-core` peer range of our packages (tfjs releases in lockstep), others the
 * range given in `extra`, else the root's devDependency range.
 */
export function rangeFor(name, repo, extra = {}) {
  if (extra[name]) return extra[name];
  if (name.startsWith('@tensorflow/')) {
    for (const { pkg } of publicPackages(repo)) {
      const range = pkg.peerDependencies?.['@tensorflow/tfjs-core'];
      if (range) return range;
    }
  }
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const range = root.devDependencies?.[name];
  if (range) return range;
  throw new Error(`no version range known for ${name}`);
}

/**
 * Writes `package.json` for a fresh consumer in `dir` depending on `names` (`@burnin/*` from
 * `tarballs`, also forced through `overrides` so that nothing comes from a registry) and
 * `devDependencies`, then `npm install`s (npm's cache is shared by every install of a run).
 */
export async function installConsumer(
  dir,
  { names, tarballs, repo, type, devDependencies, env, log },
) {
  mkdirSync(dir, { recursive: true });
  const dependencies = {};
  for (const name of names) {
    if (name.startsWith('@burnin/')) {
      if (!tarballs[name]) throw new Error(`no tarball for ${name}`);
      dependencies[name] = `file:${tarballs[name]}`;
    } else {
      dependencies[name] = rangeFor(name, repo);
    }
  }
  const overrides = Object.fromEntries(
    Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]),
  );
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type, dependencies, devDependencies, overrides }, null, 2)}\n`,
  );
  await exec(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: dir, env, log, timeoutMs: 300_000 },
  );
}
