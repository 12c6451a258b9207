import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const src = join(dirname(fileURLToPath(import.meta.url)), 'src');

/**
 * Keeps every relative import between this package's modules (`./errors.js`) as it is written,
 * so each source module stays its own output file, while bare imports are bundled: the private `@burnin/internal` is inlined
 * where it is imported (errors.ts) and the published package depends on nothing of ours.
 */
const perModule: Plugin = {
  name: 'per-module',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind !== 'entry-point' && args.resolveDir.startsWith(src)
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

// ESM: one file per source module (relative imports kept), so a consumer's bundler sees the
// real module graph and, with `"sideEffects": false`, drops every module an app does not import
// (one schedule bundles to about 1 KB gzip instead of the whole library). CJS: one bundled file.
// `pnpm build` empties dist/ first (`clean` here would race between the two builds).
export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    format: ['esm'],
    bundle: true,
    esbuildPlugins: [perModule],
    noExternal: ['@burnin/internal'],
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: false,
    target: 'es2022',
  },
  {
    entry: ['src/index.ts'],
    format: ['cjs'],
    dts: true,
    noExternal: ['@burnin/internal'],
    sourcemap: false,
    target: 'es2022',
  },
]);
