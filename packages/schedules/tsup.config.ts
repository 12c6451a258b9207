import { defineConfig } from 'tsup';

// ESM: one file per source module (not bundled), so a consumer's bundler sees the real module
// graph and, with `"sideEffects": false`, drops every module an app does not import (one
// schedule bundles to about 1 KB gzip instead of the whole library). CJS: one bundled file.
// `pnpm build` empties dist/ first (`clean` here would race between the two builds).
export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    format: ['esm'],
    bundle: false,
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: false,
    target: 'es2022',
  },
  {
    entry: ['src/index.ts'],
    format: ['cjs'],
    dts: true,
    sourcemap: false,
    target: 'es2022',
  },
]);
