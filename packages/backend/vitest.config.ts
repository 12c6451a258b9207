import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    // the stock cpu references of the demo-shaped conv gradients (TensorBuffer.get loops) take
    // ~6 s alone and were seen at 24 s and over 60 s on a loaded 2-core CI machine
    testTimeout: 300_000,
  },
});
