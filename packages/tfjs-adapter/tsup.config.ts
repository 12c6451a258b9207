import { defineConfig } from 'tsup';

export default defineConfig({
  // `callbacks` is the subpath `@burnin/tfjs-adapter/callbacks` (the only code importing
  // @tensorflow/tfjs-layers), so `withSchedule` alone never bundles tfjs-layers.
  entry: ['src/index.ts', 'src/callbacks.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'es2022',
  // One shared chunk in both formats: `ScheduledOptimizer` (and its tfjs serialization
  // registration) exists once, so the callbacks' `instanceof` checks hold across entries.
  splitting: true,
  // The private workspace package is inlined: the published package depends on nothing of ours.
  noExternal: ['@burnin/internal'],
});
