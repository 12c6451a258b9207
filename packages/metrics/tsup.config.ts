import { defineConfig } from 'tsup';

export default defineConfig({
  // `node` is the Node-only subpath `@burnin/metrics/node` (file helpers using node:fs).
  entry: ['src/index.ts', 'src/node.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  // Shared code goes to one chunk in both formats, so `CocoFormatError` etc. are the same
  // classes whichever entry they come from.
  splitting: true,
  // The private workspace package is inlined: the published package depends on nothing of ours.
  noExternal: ['@burnin/internal'],
});
