// Consumer (a) of the publish end-to-end test: an ESM TypeScript project that installed only
// @burnin/schedules from the registry. `tsc` type-checks it against the published .d.ts
// (skipLibCheck off), then node runs the compiled output.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  type ExponentialDecayWithBurninOptions,
  exponentialDecayWithBurnin,
} from '@burnin/schedules';

// One case of TF Object Detection API's exponential_decay_with_burnin, computed by TensorFlow
// (copied from the repo's reference values): burn-in at 2 for 5 steps, then 1 halved every 5.
const options: ExponentialDecayWithBurninOptions = {
  learningRateBase: 1,
  learningRateDecaySteps: 5,
  learningRateDecayFactor: 0.5,
  burninLearningRate: 2,
  burninSteps: 5,
  minLearningRate: 0.001,
  staircase: true,
};
const steps = [0, 4, 5, 9, 10, 14, 15, 29, 263, 4672];
const expected = [2, 2, 1, 1, 0.5, 0.5, 0.25, 0.0625, 0.0010000000474974513, 0.0010000000474974513];

const schedule = exponentialDecayWithBurnin(options);
steps.forEach((step, i) => {
  const lr: number = schedule(step);
  const tol = 1e-4 * Math.abs(expected[i]) + 1e-6 * 2;
  assert.ok(
    Math.abs(lr - expected[i]) <= tol,
    `lr(${step}) = ${lr}, TensorFlow gives ${expected[i]}`,
  );
});

// The types are real, not `any`: a string where a number belongs must not type-check
// (checked by tsc only, never called).
export function badOptionsDoNotTypeCheck() {
  // @ts-expect-error learningRateBase is a number
  return exponentialDecayWithBurnin({ ...options, learningRateBase: '1' });
}

// ESM resolution picked the package's ESM build.
const resolved = import.meta.resolve('@burnin/schedules');
assert.match(resolved, /\/node_modules\/@burnin\/schedules\/dist\/index\.js$/);
const require = createRequire(import.meta.url);
assert.match(require.resolve('@burnin/schedules'), /dist[/\\]index\.cjs$/);

console.log(`esm-ts: ${steps.length} learning rates match TensorFlow; resolved ${resolved}`);
