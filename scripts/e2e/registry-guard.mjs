// Refuses to publish anywhere but a registry on 127.0.0.1. Changesets publishes to
// https://registry.npmjs.org unless told otherwise, so before `pnpm release` runs, every place
// that decides where a package goes is asked with the environment the release will get:
// changesets' own rule (publishConfig, then npm_config_@scope:registry, then npm_config_registry,
// else npmjs.org), pnpm's config at the workspace root and npm's config in each package folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eError, exec } from './lib.mjs';

export const ALLOWED_HOST = '127.0.0.1';
const NPM_REGISTRY = 'https://registry.npmjs.org';

/** Changesets' choice of registry for one package.json (mirrors @changesets/cli's getCorrectRegistry). */
export function changesetsRegistry(packageJson, env) {
  const name = packageJson.name ?? '';
  if (name.startsWith('@')) {
    const scope = name.split('/')[0];
    const scoped =
      packageJson.publishConfig?.[`${scope}:registry`] || env[`npm_config_${scope}:registry`];
    if (scoped) return scoped;
  }
  const registry = packageJson.publishConfig?.registry || env.npm_config_registry;
  const isDefault =
    !registry || /^https:\/\/registry\.(npmjs\.org|yarnpkg\.com)\/?$/.test(registry);
  return isDefault ? NPM_REGISTRY : registry;
}

const unset = (value) =>
  value === undefined || value === '' || value === 'undefined' || value === 'null';

/**
 * Throws unless every resolved registry is on 127.0.0.1. `resolved` is a list of
 * `{ source, url }`; an unset scoped registry (url undefined) falls back to `registry` and is
 * skipped, an unset default registry means npmjs.org.
 */
export function assertLocalRegistries(resolved) {
  const bad = [];
  for (const { source, url, optional } of resolved) {
    if (unset(url)) {
      if (optional) continue;
      bad.push(`${source} is not set (npm would use ${NPM_REGISTRY})`);
      continue;
    }
    let host;
    try {
      host = new URL(url).hostname;
    } catch {
      bad.push(`${source} = ${JSON.stringify(url)} is not a URL`);
      continue;
    }
    if (host !== ALLOWED_HOST) bad.push(`${source} = ${url}`);
  }
  if (bad.length > 0) {
    throw new E2eError(
      `refusing to publish: the registry must be on ${ALLOWED_HOST}, but\n  - ${bad.join('\n  - ')}`,
    );
  }
}

/**
 * Asks changesets' rule, pnpm (workspace root) and npm (each package folder) which registry a
 * publish of `packageDirs` would use with `env`; returns `{ source, url, optional }` entries.
 */
export async function resolvePublishRegistries({ root, packageDirs, env }) {
  const resolved = [];
  const scope = '@burnin';
  for (const dir of packageDirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    resolved.push({
      source: `changesets' registry for ${pkg.name}`,
      url: changesetsRegistry(pkg, env),
    });
    if (pkg.publishConfig?.registry) {
      resolved.push({
        source: `${pkg.name} publishConfig.registry`,
        url: pkg.publishConfig.registry,
      });
    }
  }
  const pnpmGet = async (key) => {
    const { stdout } = await exec('pnpm', ['config', 'get', key], { cwd: root, env });
    return stdout.trim();
  };
  const npmGet = async (dir) => {
    const { stdout } = await exec('npm', ['config', 'get', 'registry', `${scope}:registry`], {
      cwd: dir,
      env,
    });
    // `npm config get a b` prints `a=value` lines
    return Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  };
  const [pnpmDefault, pnpmScoped, ...npmConfigs] = await Promise.all([
    pnpmGet('registry'),
    pnpmGet(`${scope}:registry`),
    ...packageDirs.map(npmGet),
  ]);
  resolved.push({ source: 'pnpm config get registry (workspace root)', url: pnpmDefault });
  resolved.push({
    source: `pnpm config get ${scope}:registry (workspace root)`,
    url: pnpmScoped,
    optional: true,
  });
  npmConfigs.forEach((config, i) => {
    const where = packageDirs[i].slice(root.length + 1);
    resolved.push({ source: `npm config get registry (in ${where})`, url: config.registry });
    resolved.push({
      source: `npm config get ${scope}:registry (in ${where})`,
      url: config[`${scope}:registry`],
      optional: true,
    });
  });
  return resolved;
}
