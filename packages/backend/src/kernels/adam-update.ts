import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type WasmBackendLike, wasmF32 } from './backend-io.js';
import { nativeConvKernels, nativeStats } from './native-conv.js';
import { wasmHeap } from './simd/index.js';

/**
 * Name of this package's fused Adam kernel (wasm backend): inputs `w`, `m`, `v`, `g` (float32,
 * same size), attrs {@link AdamUpdateAttrs}; outputs `[w1, m1, v1]`. @burnin/tfjs-adapter's
 * scheduled Adam runs it when it is registered.
 */
export const ADAM_UPDATE_KERNEL = 'BurninAdamUpdate';

/**
 * The float32 constants of one Adam step: `b1`, `c1 = 1 - b1`, `b2`, `c2 = 1 - b2`,
 * `d1 = 1 - b1^t`, `d2 = 1 - b2^t`, `eps`, `negLr = -lr` (each already rounded to float32).
 */
export interface AdamUpdateAttrs {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  d1: number;
  d2: number;
  eps: number;
  negLr: number;
}

const f = Math.fround;

/**
 * tfjs-core's Adam update in its float32 operation order, each step rounded to float32:
 * `m1 = b1 m + c1 g`, `v1 = b2 v + c2 g^2`, `w1 = w + negLr ((m1 / d1) / (sqrt(v1 / d2) + eps))`
 * (bit-identical to tfjs's 18 kernels; float64 arithmetic then `Math.fround` is exact here).
 */
export function adamUpdateLoop(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  out: { w: Float32Array; m: Float32Array; v: Float32Array },
  k: AdamUpdateAttrs,
): void {
  const { b1, c1, b2, c2, d1, d2, eps, negLr } = k;
  for (let j = 0; j < w.length; j++) {
    const gj = g[j];
    const mj = f(f(m[j] * b1) + f(gj * c1));
    const vj = f(f(v[j] * b2) + f(f(gj * gj) * c2));
    out.m[j] = mj;
    out.v[j] = vj;
    out.w[j] = f(f(f(f(mj / d1) / f(f(Math.sqrt(f(vj / d2))) + eps)) * negLr) + w[j]);
  }
}

type Inputs = { w: TensorInfo; m: TensorInfo; v: TensorInfo; g: TensorInfo };

/** `BurninAdamUpdate` on wasm: the native loop where it is loaded, else {@link adamUpdateLoop}. */
export const wasmAdamUpdateKernel: KernelConfig = {
  kernelName: ADAM_UPDATE_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { w, m, v, g } = inputs as unknown as Inputs;
    const k = attrs as unknown as AdamUpdateAttrs;
    const b = backend as unknown as WasmBackendLike;
    const n = w.shape.reduce((a, d) => a * d, 1);
    for (const t of [w, m, v, g]) {
      if (t.dtype !== 'float32' || t.shape.reduce((a, d) => a * d, 1) !== n) {
        throw new TypeError(
          `${ADAM_UPDATE_KERNEL}: w, m, v and g must be float32 of ${n} elements`,
        );
      }
    }
    const outs = [w, m, v].map(() => b.makeOutput(w.shape.slice(), 'float32'));
    const native = nativeConvKernels();
    const heap = native != null ? wasmHeap(b) : null;
    if (native != null && heap != null && heap.buffer instanceof ArrayBuffer) {
      const at = [w, m, v, g, ...outs].map((t) => heap.offset(t));
      native.adamUpdate(heap.buffer, ...at, n, k.b1, k.c1, k.b2, k.c2, k.d1, k.d2, k.eps, k.negLr);
      nativeStats.adam++;
    } else {
      const [w1, m1, v1] = outs.map((t) => wasmF32(b, t));
      const view = (t: TensorInfo) => wasmF32(b, t);
      adamUpdateLoop(view(w), view(m), view(v), view(g), { w: w1, m: m1, v: v1 }, k);
    }
    return outs;
  },
};
