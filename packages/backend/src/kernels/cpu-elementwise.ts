import {
  Add,
  backend_util,
  type KernelConfig,
  Mean,
  Multiply,
  RealDiv,
  Sub,
  Sum,
  type SumAttrs,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { cpuKernel, cpuValues } from './backend-io.js';
import { runReplaced } from './fallback.js';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** Row-major strides of `shape` aligned to `rank` dims, 0 along broadcast (size-1/missing) dims. */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = rank - shape.length + i;
    strides[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/**
 * Element-wise `a op b` with numpy broadcasting over float32 arrays: the innermost output
 * dimension is a tight loop, the outer dimensions advance an odometer of offsets.
 */
export function broadcastBinary(
  op: BinaryOp,
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  outShape: number[],
  out: Float32Array,
): void {
  const size = out.length;
  if (size === 0) return;
  if (a.length === size && b.length === size) {
    if (op === 'add') for (let i = 0; i < size; i++) out[i] = a[i] + b[i];
    else if (op === 'sub') for (let i = 0; i < size; i++) out[i] = a[i] - b[i];
    else if (op === 'mul') for (let i = 0; i < size; i++) out[i] = a[i] * b[i];
    else for (let i = 0; i < size; i++) out[i] = a[i] / b[i];
    return;
  }
  const rank = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const inner = rank === 0 ? 1 : outShape[rank - 1];
  const ai = rank === 0 ? 0 : as[rank - 1];
  const bi = rank === 0 ? 0 : bs[rank - 1];
  const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
  let aOff = 0;
  let bOff = 0;
  for (let k = 0; k < size; k += inner) {
    if (op === 'add') {
      for (let j = 0; j < inner; j++) out[k + j] = a[aOff + j * ai] + b[bOff + j * bi];
    } else if (op === 'sub') {
      for (let j = 0; j < inner; j++) out[k + j] = a[aOff + j * ai] - b[bOff + j * bi];
    } else if (op === 'mul') {
      for (let j = 0; j < inner; j++) out[k + j] = a[aOff + j * ai] * b[bOff + j * bi];
    } else {
      for (let j = 0; j < inner; j++) out[k + j] = a[aOff + j * ai] / b[bOff + j * bi];
    }
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      aOff += as[d];
      bOff += bs[d];
      if (index[d] < outShape[d]) break;
      aOff -= as[d] * outShape[d];
      bOff -= bs[d] * outShape[d];
      index[d] = 0;
    }
  }
}

/**
 * Sums `x` (shape `shape`) over `axes` into `out` (the kept dims, row-major), reading `x` once in
 * order and accumulating in float64; each sum is divided by `divisor` (1: sum, count: mean).
 */
export function sumAxes(
  x: Float32Array,
  shape: number[],
  axes: number[],
  out: Float32Array,
  divisor = 1,
): void {
  const rank = shape.length;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of axes) reduced[a] = true;
  const outStrides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    if (reduced[d]) continue;
    outStrides[d] = stride;
    stride *= shape[d];
  }
  const acc = new Float64Array(out.length);
  const size = x.length;
  if (size > 0) {
    const inner = rank === 0 ? 1 : shape[rank - 1];
    const oi = rank === 0 ? 0 : outStrides[rank - 1];
    const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
    let oOff = 0;
    for (let k = 0; k < size; k += inner) {
      if (oi === 0) {
        let s = 0;
        for (let j = 0; j < inner; j++) s += x[k + j];
        acc[oOff] += s;
      } else {
        for (let j = 0; j < inner; j++) acc[oOff + j] += x[k + j];
      }
      for (let d = rank - 2; d >= 0; d--) {
        index[d]++;
        oOff += outStrides[d];
        if (index[d] < shape[d]) break;
        oOff -= outStrides[d] * shape[d];
        index[d] = 0;
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = acc[i] / divisor;
}

function binaryKernel(kernelName: string, op: BinaryOp): KernelConfig {
  return cpuKernel<{ a: TensorInfo; b: TensorInfo }>(kernelName, (inputs, attrs, backend) => {
    const { a, b } = inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') {
      return runReplaced(kernelName, 'cpu', { inputs, attrs, backend });
    }
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = new Float32Array(util.sizeFromShape(outShape));
    broadcastBinary(
      op,
      cpuValues(backend, a) as Float32Array,
      a.shape,
      cpuValues(backend, b) as Float32Array,
      b.shape,
      outShape,
      out,
    );
    return backend.makeTensorInfo(outShape, 'float32', out);
  });
}

function reduceKernel(kernelName: string, mean: boolean): KernelConfig {
  return cpuKernel<{ x: TensorInfo }, SumAttrs>(kernelName, (inputs, attrs, backend) => {
    const { x } = inputs;
    if (x.dtype !== 'float32') return runReplaced(kernelName, 'cpu', { inputs, attrs, backend });
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    const kept = x.shape.filter((_, d) => !axes.includes(d));
    const out = new Float32Array(util.sizeFromShape(kept));
    const count = mean ? axes.reduce((p, a) => p * x.shape[a], 1) : 1;
    sumAxes(cpuValues(backend, x) as Float32Array, x.shape, axes, out, count);
    const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(kept, axes) : kept;
    return backend.makeTensorInfo(shape, 'float32', out);
  });
}

/**
 * float32 `Add`, `Sub`, `Multiply`, `RealDiv` for cpu with a strided broadcast loop; other
 * dtypes delegate to the stock kernels.
 */
export const cpuAddConfig = binaryKernel(Add, 'add');
export const cpuSubConfig = binaryKernel(Sub, 'sub');
export const cpuMultiplyConfig = binaryKernel(Multiply, 'mul');
export const cpuRealDivConfig = binaryKernel(RealDiv, 'div');
/** float32 `Sum` and `Mean` for cpu in one ordered pass (stock transposes first). */
export const cpuSumConfig = reduceKernel(Sum, false);
export const cpuMeanConfig = reduceKernel(Mean, true);
