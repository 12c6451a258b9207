import {
  type KernelConfig,
  Mean,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { wasmKernel } from './backend-io.js';
import { replacedSetup, runReplaced } from './fallback.js';
import { simdColumnSum } from './simd/index.js';

/**
 * How many leading axes `axis` names when it names exactly axes 0..k-1 of a rank-`rank` tensor
 * with 0 < k < rank (the NHWC bias / batch-norm gradient case), else 0.
 */
export function leadingAxes(axis: SumAttrs['axis'] | undefined, shape: number[]): number {
  const rank = shape.length;
  if (rank < 2) return 0;
  const axes = util.parseAxisParam(axis as number | number[], shape);
  const k = axes.length;
  if (k === 0 || k >= rank || new Set(axes).size !== k) return 0;
  return axes.every((a) => a < k) ? k : 0;
}

function reduceKernel(kernelName: typeof Sum | typeof Mean, mean: boolean): KernelConfig {
  return wasmKernel<{ x: TensorInfo }, SumAttrs>(
    kernelName,
    (inputs, attrs, backend) => {
      const { x } = inputs;
      if (x.dtype === 'float32') {
        const k = leadingAxes(attrs.axis, x.shape);
        const rows = util.sizeFromShape(x.shape.slice(0, k));
        const cols = util.sizeFromShape(x.shape.slice(k));
        if (k > 0 && rows > 0 && cols > 0) {
          const kept = x.shape.slice(k);
          const shape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...kept] : kept;
          const out = simdColumnSum(backend, x, rows, cols, mean ? 1 / rows : 1, shape);
          if (out != null) return out;
        }
      }
      return runReplaced(kernelName, 'wasm', { inputs, attrs, backend });
    },
    // the stock kernel's setup (its cwrap of the C function) still runs for what we delegate
    replacedSetup(kernelName, 'wasm'),
  );
}

/**
 * float32 `Sum` and `Mean` for wasm over leading axes (e.g. [0, 1, 2] of NHWC: bias and
 * batch-norm gradients) as one SIMD column-sum pass (csrc/pool_reduce.c); tfjs-wasm's own kernels
 * transpose the tensor first. Every other case (other axes, int32/bool, empty tensors, the SIMD
 * kernels switched off) runs the stock kernel.
 */
export const wasmSumConfig = reduceKernel(Sum, false);
export const wasmMeanConfig = reduceKernel(Mean, true);
