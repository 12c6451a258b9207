import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  BatchMatMul,
  type BatchMatMulAttrs,
  backend_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { type WasmBackendLike, wasmKernel } from './backend-io.js';
import { runReplaced } from './fallback.js';
import { nativeConvKernels, nativeOutput, nativeStats } from './native-conv.js';
import { simdBiasActivation } from './simd/index.js';

/**
 * `op(a) x op(b)` with the native kernel on the wasm heap, `a` [...outerA, M, K] (or [..., K, M]
 * transposed), `b` [...outerB, K, N] (or [..., N, K]); null where it does not apply: no native
 * kernels, not float32, an empty or rank < 2 operand, inner sizes that differ, or outer shapes
 * that broadcast other than one of them holding a single matrix (then the caller runs the stock
 * kernel, which also reports bad shapes).
 */
function nativeBatchMatMul(
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const kernels = nativeConvKernels();
  if (kernels == null || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb || M === 0 || K === 0 || N === 0) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null;
  }
  const batch = util.sizeFromShape(outer);
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  // each operand is one matrix for every item, or one per item in the output's order
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return null;
  const made = nativeOutput(backend, [...outer, M, N]);
  if (made == null) return null;
  const { out, heap } = made;
  kernels.batchMatMul(
    heap.buffer,
    heap.offset(a),
    heap.offset(b),
    heap.offset(out),
    batch,
    M,
    K,
    N,
    batchA,
    batchB,
    transposeA ? 1 : 0,
    transposeB ? 1 : 0,
  );
  nativeStats.matMul++;
  return out;
}

/**
 * `BatchMatMul` on wasm: the native kernel where one is loaded (Node on x86-64, float32; on the
 * pool's threads, same bits on any count; each sum in order over k, so the results differ from
 * XNNPACK's in the last bits), otherwise tfjs-backend-wasm's own.
 */
export const wasmBatchMatMulKernel = wasmKernel<{ a: TensorInfo; b: TensorInfo }, BatchMatMulAttrs>(
  BatchMatMul,
  (inputs, attrs, backend) => {
    const { a, b } = inputs;
    const out = nativeBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB);
    return out ?? runReplaced(BatchMatMul, 'wasm', { inputs, attrs, backend });
  },
);

interface FusedMatMulInputs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
  [name: string]: TensorInfo | undefined;
}

/**
 * `_FusedMatMul` on wasm (tfjs-layers' dense layers): the native product followed by the bias
 * and relu in one SIMD pass (the bits of BatchMatMul, Add and Relu run in turn, NaNs included),
 * where the native kernels are loaded and the activation is linear or relu with a rank-1 bias of
 * one value per output column (or none); otherwise tfjs-backend-wasm's own.
 */
export const wasmFusedMatMulKernel = wasmKernel<FusedMatMulInputs, _FusedMatMulAttrs>(
  _FusedMatMul,
  (inputs, attrs, backend) => {
    const { a, b, bias, preluActivationWeights } = inputs;
    const relu = attrs.activation === 'relu';
    const N = b.shape.length < 2 ? -1 : b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)];
    const supported =
      preluActivationWeights == null &&
      (relu || attrs.activation === 'linear') &&
      // (tfjs-backend-wasm's kernel takes rank-1 biases only, and reports others)
      (bias == null ||
        (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === N));
    const finish = supported ? simdBiasActivation(backend) : null;
    if (finish != null) {
      const out = nativeBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB);
      if (out != null) {
        if (bias != null || relu) {
          finish(out, bias ?? null, util.sizeFromShape(out.shape) / N, N, relu);
        }
        return out;
      }
    }
    return runReplaced(_FusedMatMul, 'wasm', { inputs, attrs, backend });
  },
);
