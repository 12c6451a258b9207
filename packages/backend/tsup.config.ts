import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: false,
    target: 'es2022',
    // tfjs-core's gradient registrations only exist as extensionless ESM files, which Node
    // cannot import (ESM, CJS, tsx): bundle them into the Node build. They register into
    // tfjs' global gradient registry, shared with the application's tfjs-core.
    // The private workspace package is inlined too: the published package depends on nothing
    // of ours.
    noExternal: [/register_all_gradients/, '@burnin/internal'],
  },
  {
    // The `browser` export condition: no Node built-ins; the page's bundler resolves
    // tfjs-core's gradient registrations itself.
    entry: { browser: 'src/browser.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: false,
    target: 'es2022',
    platform: 'browser',
    noExternal: ['@burnin/internal'],
  },
]);
