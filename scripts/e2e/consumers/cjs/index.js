// @ts-check
// Consumer (b) of the publish end-to-end test: a CommonJS project that `require`s
// @burnin/losses next to @tensorflow/tfjs. `tsc --checkJs` checks it against the published
// .d.cts, then node runs it.
const assert = require('node:assert/strict');
const tf = require('@tensorflow/tfjs');
const { meanSquaredError } = require('@burnin/losses');

assert.match(require.resolve('@burnin/losses'), /dist[/\\]index\.cjs$/);

const targets = [1, -2, 3.5, 0, 4];
const predictions = [1.5, -2, 2.5, 1, 2];
// Mean of the squared differences, in plain JavaScript.
const want = targets.reduce((s, t, i) => s + (t - predictions[i]) ** 2, 0) / targets.length;

const before = tf.memory().numTensors;
const y = tf.tensor1d(targets);
const p = tf.tensor1d(predictions);
const loss = meanSquaredError(y, p);
const got = loss.dataSync()[0];
assert.ok(Math.abs(got - want) <= 1e-6 * Math.abs(want), `meanSquaredError = ${got}, want ${want}`);
tf.dispose([y, p, loss]);
assert.equal(tf.memory().numTensors, before, 'meanSquaredError leaked tensors');

// The types are real, not `any` (checked by tsc only, never called).
function wrongArgumentsDoNotTypeCheck() {
  // @ts-expect-error meanSquaredError takes tensors
  return meanSquaredError([1], [2]);
}
void wrongArgumentsDoNotTypeCheck;

console.log(`cjs: meanSquaredError = ${got} (want ${want}) on backend ${tf.getBackend()}`);
