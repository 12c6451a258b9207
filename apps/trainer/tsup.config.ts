import { defineConfig } from 'tsup';

export default defineConfig({
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
  clean: !process.env.BURNIN_DEV,
  sourcemap: false,
  target: 'node20',
  // tfjs-core's gradient registrations only exist as extensionless ESM files, which Node
  // cannot import directly: bundle them (they register into tfjs' global registry).
  noExternal: [/register_all_gradients/],
  external: ['@tensorflow/tfjs-node'],
  banner: { js: '#!/usr/bin/env node' },
});
