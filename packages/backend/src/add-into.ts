import { nativeConvKernels } from './kernels/native-conv.js';

/**
 * `dst[i] += src[i]` for every i, each sum rounded to float32: the same values as the
 * JavaScript loop `dst[i] += src[i]` over two Float32Arrays, for any backing buffers (the
 * wasm heap, a SharedArrayBuffer, an ArrayBuffer; overlapping views are allowed). Runs in the
 * native addon where @burnin/backend loaded it (x86-64 Linux in Node: about 14x faster than
 * the loop on 113k elements), else as that loop. Throws a RangeError when the lengths differ.
 */
export function addFloat32Into(dst: Float32Array, src: Float32Array): void {
  if (dst.length !== src.length)
    throw new RangeError(
      `addFloat32Into: src has ${src.length} elements, dst ${dst.length}; they must match`,
    );
  const native = nativeConvKernels();
  if (native?.addInto && !overlaps(dst, src)) {
    native.addInto(dst, src);
    return;
  }
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** Whether two views share bytes of one buffer (then the element order of the loop matters). */
function overlaps(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
