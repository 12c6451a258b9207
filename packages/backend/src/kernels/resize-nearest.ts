import {
  ResizeNearestNeighbor,
  type ResizeNearestNeighborAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { wasmKernel } from './backend-io.js';
import { replacedSetup, runReplaced } from './fallback.js';
import { nativeConvKernels, nativeOutput, nativeStats } from './native-conv.js';

/** `n` is 2^k for some k >= 0. */
const powerOfTwo = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

/**
 * `ResizeNearestNeighbor` on wasm: NHWC float32 upsampling by power-of-two factors (a feature
 * pyramid's 2x) without `alignCorners` or `halfPixelCenters` as native row and pixel copies,
 * where the native kernels load; every other case runs the stock kernel. Output pixel (r, c) is
 * input pixel (r / fy, c / fx): the source index floor(i * in / out) is exact for these factors,
 * so the values are the stock kernel's bit for bit.
 */
export const wasmResizeNearestNeighborKernel = wasmKernel<
  { images: TensorInfo },
  ResizeNearestNeighborAttrs
>(
  ResizeNearestNeighbor,
  (inputs, attrs, backend) => {
    const { images } = inputs;
    const [newH, newW] = attrs.size;
    const native = nativeConvKernels();
    if (
      native != null &&
      images.dtype === 'float32' &&
      images.shape.length === 4 &&
      !attrs.alignCorners &&
      !attrs.halfPixelCenters
    ) {
      const [N, H, W, C] = images.shape;
      const fy = newH / H;
      const fx = newW / W;
      if (N * H * W * C > 0 && powerOfTwo(fy) && powerOfTwo(fx)) {
        const made = nativeOutput(backend, [N, newH, newW, C]);
        if (made != null) {
          const { out, heap } = made;
          native.resizeNearestUp(
            heap.buffer,
            heap.offset(images),
            heap.offset(out),
            N,
            H,
            W,
            C,
            fy,
            fx,
          );
          nativeStats.resize++;
          return out;
        }
      }
    }
    return runReplaced(ResizeNearestNeighbor, 'wasm', { inputs, attrs, backend });
  },
  replacedSetup(ResizeNearestNeighbor, 'wasm'),
);
