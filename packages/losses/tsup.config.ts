import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  // The private workspace package is inlined: the published package depends on nothing of ours.
  noExternal: ['@burnin/internal'],
});
