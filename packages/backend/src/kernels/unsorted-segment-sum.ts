import {
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
  UnsortedSegmentSum,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';
import { type CpuBackendLike, cpuValues, type WasmBackendLike, wasmView } from './backend-io.js';

/**
 * Sums the rows of `x` into segments: with `segmentIds` of `ids.length` elements covering the
 * leading dimensions of `x` and `inner` = the size of one row, `out[s * inner + j]` accumulates
 * `x[i * inner + j]` for every i with `ids[i] === s`. Ids outside [0, numSegments) are dropped
 * (their rows contribute nothing), as in the cpu backend. Writes every element of `out`.
 */
export function segmentSum(
  x: ArrayLike<number>,
  ids: ArrayLike<number>,
  inner: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
}

interface Args {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  backend: unknown;
  attrs: UnsortedSegmentSumAttrs;
}

function geometry({ inputs, attrs }: Args) {
  const idRank = inputs.segmentIds.shape.length;
  const rowShape = inputs.x.shape.slice(idRank);
  const inner = rowShape.reduce((p, d) => p * d, 1);
  const dtype = inputs.x.dtype === 'int32' ? 'int32' : 'float32';
  return { shape: [attrs.numSegments, ...rowShape], inner, dtype } as const;
}

function wasmUnsortedSegmentSum(args: Args): TensorInfo {
  const b = args.backend as WasmBackendLike;
  const { shape, inner, dtype } = geometry(args);
  const out = b.makeOutput(shape.slice(), dtype);
  const outView = wasmView(b, out) as Float32Array | Int32Array;
  segmentSum(
    wasmView(b, args.inputs.x),
    wasmView(b, args.inputs.segmentIds),
    inner,
    args.attrs.numSegments,
    outView,
  );
  return out;
}

function cpuUnsortedSegmentSum(args: Args): TensorInfo {
  const b = args.backend as CpuBackendLike;
  const { shape, inner, dtype } = geometry(args);
  const size = shape.reduce((p, d) => p * d, 1);
  const out = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  segmentSum(
    cpuValues(b, args.inputs.x),
    cpuValues(b, args.inputs.segmentIds),
    inner,
    args.attrs.numSegments,
    out,
  );
  return b.makeTensorInfo(shape.slice(), dtype, out);
}

export const wasmUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: wasmUnsortedSegmentSum as unknown as KernelFunc,
};
export const cpuUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'cpu',
  kernelFunc: cpuUnsortedSegmentSum as unknown as KernelFunc,
};
