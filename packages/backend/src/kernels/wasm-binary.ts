import {
  Add,
  backend_util,
  type KernelConfig,
  Multiply,
  RealDiv,
  Sub,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { wasmKernel } from './backend-io.js';
import { replacedSetup, runReplaced } from './fallback.js';
import { type BINARY_OPS, simdBinaryRepeat } from './simd/index.js';

/**
 * How `a op b` broadcasts when one operand repeats along the leading axes of the other: the
 * smaller one's shape, without its leading 1s, is the trailing part of the larger one's (a bias
 * [C] or [1, 1, 1, C] against [N, H, W, C]). Returns which operand repeats, its size (the
 * period) and how many times it repeats; null for equal shapes, a scalar-sized operand, an empty
 * result or any other broadcast.
 */
export function repeatingOperand(
  aShape: readonly number[],
  bShape: readonly number[],
): { part: 'a' | 'b'; period: number; rows: number } | null {
  const aSize = util.sizeFromShape(aShape as number[]);
  const bSize = util.sizeFromShape(bShape as number[]);
  if (aSize === bSize || Math.min(aSize, bSize) <= 1) return null;
  const [full, part, which] =
    aSize > bSize ? [aShape, bShape, 'b' as const] : [bShape, aShape, 'a' as const];
  let start = 0;
  while (start < part.length && part[start] === 1) start++;
  const core = part.slice(start);
  if (core.length > full.length) return null;
  const tail = full.slice(full.length - core.length);
  if (core.some((d, i) => d !== tail[i])) return null;
  const period = Math.min(aSize, bSize);
  return { part: which, period, rows: Math.max(aSize, bSize) / period };
}

function binaryKernel(kernelName: string, op: keyof typeof BINARY_OPS): KernelConfig {
  return wasmKernel<{ a: TensorInfo; b: TensorInfo }>(
    kernelName,
    (inputs, attrs, backend) => {
      const { a, b } = inputs;
      if (a.dtype === 'float32' && b.dtype === 'float32') {
        const repeat = repeatingOperand(a.shape, b.shape);
        if (repeat != null) {
          const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
          const [full, part] = repeat.part === 'b' ? [a, b] : [b, a];
          const out = simdBinaryRepeat(
            backend,
            op,
            full,
            part,
            repeat.part === 'a',
            repeat.rows,
            repeat.period,
            outShape,
          );
          if (out != null) return out;
        }
      }
      return runReplaced(kernelName, 'wasm', { inputs, attrs, backend });
    },
    replacedSetup(kernelName, 'wasm'),
  );
}

/**
 * float32 `Add`, `Sub`, `Multiply` and `RealDiv` for wasm where one operand repeats along the
 * other's leading axes (bias adds, batch-norm scales and their gradients): one SIMD pass
 * (csrc/elementwise.c), bit-identical to the stock kernels, which take 0.6 ms (XNNPACK's
 * broadcast, row by row) for a [32, 30, 30, 8] + [8] add that needs 0.05. Equal shapes, scalars,
 * other broadcasts and dtypes run the stock kernels.
 */
export const wasmAddConfig = binaryKernel(Add, 'add');
export const wasmSubConfig = binaryKernel(Sub, 'sub');
export const wasmMultiplyConfig = binaryKernel(Multiply, 'mul');
export const wasmRealDivConfig = binaryKernel(RealDiv, 'div');
