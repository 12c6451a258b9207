import { ADAM_UPDATE_KERNEL, adamUpdateLoop } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from './tfjs-internals.js';

/** tfjs-core 4.x `AdamOptimizer` fields the fused update reads and writes. */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}

/** Backends whose tensors live in host memory, where one pass over the data beats ~18 kernels. */
const HOST_BACKENDS = new Set(['cpu', 'wasm']);

const f = Math.fround;

/**
 * One update of tfjs's `AdamOptimizer`, computed in a single pass over host memory instead of
 * 18 kernel launches per variable, bit-identical to `adam.applyGradients(grads)`: every
 * float32 operation of tfjs's update (`m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `w += -lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`, then `b^t *= b`) is repeated in
 * the same order, each rounded to float32 (exact in float64 arithmetic followed by
 * `Math.fround`). Returns false, having changed nothing, where it does not apply: a backend
 * other than cpu or wasm, a first update (tfjs creates the moment slots), a non-float32
 * tensor, a shape mismatch or an unregistered variable; the caller then runs tfjs's own update.
 * Where @burnin/backend registered its `BurninAdamUpdate` kernel for the backend (wasm), each
 * variable's update runs there instead (the same operations, on the backend's memory).
 */
export function fusedAdamUpdate(
  optimizer: tf.Optimizer,
  variableGradients: tf.NamedTensorMap | NamedTensor[],
): boolean {
  if (!HOST_BACKENDS.has(tf.getBackend())) return false;
  const o = optimizer as unknown as AdamInternals;
  const isArray = Array.isArray(variableGradients);
  const names = isArray
    ? (variableGradients as NamedTensor[]).map((g) => g.name)
    : Object.keys(variableGradients);
  const registered = tf.engine().registeredVariables;
  const work: { w: tf.Variable; m: tf.Variable; v: tf.Variable; g: tf.Tensor }[] = [];
  for (let i = 0; i < names.length; i++) {
    const w = registered[names[i]];
    const m = o.accumulatedFirstMoment[i]?.variable;
    const v = o.accumulatedSecondMoment[i]?.variable;
    if (w == null || m == null || v == null) return false;
    const g = isArray
      ? (variableGradients as NamedTensor[])[i].tensor
      : (variableGradients as tf.NamedTensorMap)[names[i]];
    if (g == null) continue; // tfjs skips a missing gradient (its slots stay as they are)
    for (const t of [w, m, v, g]) {
      if (t.dtype !== 'float32' || t.isDisposed || t.size !== w.size) return false;
    }
    work.push({ w, m, v, g });
  }
  const b1 = f(o.beta1);
  const c1 = f(1 - o.beta1);
  const b2 = f(o.beta2);
  const c2 = f(1 - o.beta2);
  const accB1 = o.accBeta1.dataSync()[0];
  const accB2 = o.accBeta2.dataSync()[0];
  const d1 = f(1 - accB1);
  const d2 = f(1 - accB2);
  const eps = f(o.epsilon);
  const negLr = f(-o.learningRate);
  const k = { b1, c1, b2, c2, d1, d2, eps, negLr };
  // @burnin/backend's kernel (wasm: native or one pass on the heap, no copies), where registered
  const kernel = tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) != null;
  for (const { w, m, v, g } of work) {
    if (kernel) {
      const out = tf
        .engine()
        .runKernel(ADAM_UPDATE_KERNEL, { w, m, v, g }, { ...k }) as tf.Tensor[];
      m.assign(out[1]);
      v.assign(out[2]);
      w.assign(out[0]);
      tf.dispose(out);
      continue;
    }
    const n = w.size;
    const out = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
    adamUpdateLoop(
      w.dataSync() as Float32Array,
      m.dataSync() as Float32Array,
      v.dataSync() as Float32Array,
      g.dataSync() as Float32Array,
      out,
      k,
    );
    assignValues(m, out.m);
    assignValues(v, out.v);
    assignValues(w, out.w);
  }
  assignValues(o.accBeta1, new Float32Array([f(accB1 * b1)]));
  assignValues(o.accBeta2, new Float32Array([f(accB2 * b2)]));
  o.incrementIterations();
  return true;
}

function assignValues(variable: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, variable.shape, 'float32');
  variable.assign(t);
  t.dispose();
}
