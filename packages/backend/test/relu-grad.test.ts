import type { KernelBackend } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RELU_GRAD_KERNEL, registerTrainingKernels } from '../src/index.js';
import { SIMD_KERNELS_FLAG, simdStats } from '../src/kernels/simd/index.js';
import { type HostTensor, host, runKernel, setupBackends, yieldToEventLoop } from './helpers.js';

afterEach(yieldToEventLoop);

// tfjs's own kernels are the reference: what the relu's stock gradient runs
const stockStep = { cpu: tf.getKernel('Step', 'cpu')!, wasm: tf.getKernel('Step', 'wasm')! };
const stockMul = { cpu: tf.getKernel('Multiply', 'cpu')!, wasm: tf.getKernel('Multiply', 'wasm')! };

let backends: Record<'cpu' | 'wasm', KernelBackend>;

beforeAll(async () => {
  backends = await setupBackends();
  registerTrainingKernels();
});

const SPECIAL = [Number.NaN, Infinity, -Infinity, -0, 0, 1e-45, -1e-45, 3e38, -3e38];

/** `dy`, `y` of `shape` with the special values in both, at positions that pair them up. */
function args(shape: number[], seed: number): { dy: HostTensor; y: HostTensor } {
  const dy = host(shape, seed);
  const y = host(shape, seed + 1);
  const n = dy.values.length;
  SPECIAL.forEach((s, k) => {
    if (k < n) y.values[k] = s;
    if (n > 16) dy.values[(k * 5 + 3) % n] = s;
    if (n > 16) y.values[(k * 5 + 3) % n] = SPECIAL[(k + 4) % SPECIAL.length]!;
  });
  return { dy, y };
}

/** tfjs's stock `mul(dy, step(y))` on `name`, through its Step and Multiply kernels. */
function stock(name: 'cpu' | 'wasm', a: { dy: HostTensor; y: HostTensor }): Float32Array {
  const b = backends[name];
  const s = runKernel(b, stockStep[name], { x: a.y }, { alpha: 0 });
  const step: HostTensor = { values: s.values as Float32Array, shape: s.shape, dtype: 'float32' };
  return runKernel(b, stockMul[name], { a: a.dy, b: step }, {}).values as Float32Array;
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

describe(`${RELU_GRAD_KERNEL} equals tfjs's mul(dy, step(y)) bit for bit`, () => {
  const shapes = [[1], [3], [4], [7], [1000], [8, 48, 48, 16], [2, 5, 5, 3]];
  for (const name of ['wasm', 'cpu'] as const) {
    for (const [i, shape] of shapes.entries()) {
      it(`${name}: [${shape}]`, () => {
        const a = args(shape, 40 + 2 * i);
        const before = simdStats.reluGrad;
        const ours = runKernel(backends[name], tf.getKernel(RELU_GRAD_KERNEL, name)!, a, {});
        expect(ours.leaked).toBe(0);
        expect(ours.shape).toEqual(shape);
        expect(simdStats.reluGrad - before).toBe(name === 'wasm' ? 1 : 0);
        const ref = stock(name, a);
        expect(differing(ours.values, ref)).toBe(0);
        // the case is not trivial: kept, zeroed and NaN gradients all occur
        if (ref.length > 16) {
          expect(ref.some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
          expect(ref.some((v) => Object.is(v, -0))).toBe(true);
          expect(ref.some((v) => Number.isNaN(v))).toBe(true);
        }
      });
    }
  }

  it(`wasm with ${SIMD_KERNELS_FLAG} off runs the JS loop, with the same bits`, () => {
    const a = args([6, 7, 5], 90);
    const kernel = tf.getKernel(RELU_GRAD_KERNEL, 'wasm')!;
    const on = runKernel(backends.wasm, kernel, a, {});
    const before = simdStats.reluGrad;
    tf.env().set(SIMD_KERNELS_FLAG, false);
    try {
      const off = runKernel(backends.wasm, kernel, a, {});
      expect(simdStats.reluGrad).toBe(before);
      expect(differing(off.values, on.values)).toBe(0);
    } finally {
      tf.env().set(SIMD_KERNELS_FLAG, true);
    }
  });

  it('rejects other dtypes and mismatched shapes with a TypeError naming both', () => {
    for (const name of ['wasm', 'cpu'] as const) {
      const kernel = tf.getKernel(RELU_GRAD_KERNEL, name)!;
      const a = args([2, 3], 1);
      const wrongShape = { dy: a.dy, y: host([3, 2], 2) };
      expect(() => runKernel(backends[name], kernel, wrongShape, {})).toThrow(
        /dy and y must be float32 of one shape, got float32 \[2,3\] and float32 \[3,2\]/,
      );
      const ints: HostTensor = { values: new Int32Array(6), shape: [2, 3], dtype: 'int32' };
      expect(() => runKernel(backends[name], kernel, { dy: a.dy, y: ints }, {})).toThrow(TypeError);
    }
  });

  it('through the engine: no tensors or wasm data left behind', () => {
    tf.setBackend('wasm');
    const dy = tf.randomNormal([4, 9, 9, 8]);
    const y = tf.relu(tf.randomNormal([4, 9, 9, 8]));
    const tensors = tf.memory().numTensors;
    const ids = backends.wasm.numDataIds();
    const out = tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }) as tf.Tensor;
    const ref = tf.tidy(() => tf.mul(dy, tf.step(y)));
    expect(differing(out.dataSync(), ref.dataSync())).toBe(0);
    tf.dispose([out, ref]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backends.wasm.numDataIds()).toBe(ids);
    tf.dispose([dy, y]);
  });
});
