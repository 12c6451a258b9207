import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs, adamUpdateLoop } from '@burnin/internal';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type WasmBackendLike, wasmF32 } from './backend-io.js';
import { nativeConvKernels, nativeStats } from './native-conv.js';
import { wasmHeap } from './simd/index.js';

export { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs };

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
