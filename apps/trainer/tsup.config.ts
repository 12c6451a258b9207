import { copyFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const node: Options = {
  entry: process.env.BURNIN_DEV
    ? ['dev/*.ts']
    : {
        cli: 'src/cli.ts',
        bench: 'src/bench.ts',
        worker: 'src/train/worker.ts',
        loader: 'src/train/loader-worker.ts',
        'sweep-cell': 'src/sweep/cell.ts',
      },
  outDir: process.env.BURNIN_DEV ? 'dist/dev' : 'dist',
  format: ['esm'],
  dts: false,
  // the page bundle below writes dist/page/: cleaning dist/ leaves it alone
  clean: process.env.BURNIN_DEV ? false : ['!page/**'],
  sourcemap: false,
  target: 'node20',
  // tfjs-core's gradient registrations only exist as extensionless ESM files, which Node
  // cannot import directly: bundle them (they register into tfjs' global registry).
  noExternal: [/register_all_gradients/, '@burnin/internal'],
  external: ['@tensorflow/tfjs-node'],
  banner: { js: '#!/usr/bin/env node' },
};

/**
 * The exported page's script (`burnin export` copies dist/page/ into the export): the shared
 * decode and letterbox modules bundled for the browser, with `@tensorflow/tfjs-core` taken from
 * the page's global `tf` (the tfjs builds the export copies next to it).
 */
const page: Options = {
  entry: { detect: 'src/page/detect.ts' },
  outDir: 'dist/page',
  format: ['iife'],
  platform: 'browser',
  target: 'es2020',
  dts: false,
  clean: false,
  sourcemap: false,
  minify: true,
  outExtension: () => ({ js: '.js' }),
  noExternal: [/.*/],
  esbuildPlugins: [
    {
      name: 'tfjs-core-global',
      setup(build) {
        build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({
          path: 'tfjs-core',
          namespace: 'tf-global',
        }));
        build.onLoad({ filter: /.*/, namespace: 'tf-global' }, () => ({
          contents: 'module.exports = globalThis.tf;',
          loader: 'js',
        }));
      },
    },
  ],
  onSuccess: async () => {
    copyFileSync('src/page/index.html', 'dist/page/index.html');
  },
};

export default defineConfig(process.env.BURNIN_DEV ? [node] : [node, page]);
