/**
 * Reading and writing float32 tensor data without the copies `dataSync()` and `tf.tensor()`
 * make where the backend allows it. On wasm a tensor's values live in the module's heap:
 * they can be read through a view of it, and `tf.tensor(values)` copies `values` into the
 * heap at once (so a caller may reuse or change `values` afterwards). Other backends may keep
 * a reference to the array a tensor was made from, or hold values elsewhere: there these
 * helpers copy. The training loop moves about 1.5 MB per step this way; fresh buffers of
 * that size per step made V8 run a full garbage collection every few steps.
 */
import * as tf from '../tf.js';

interface HeapBackend {
  typedArrayFromHeap(info: { dataId: object; shape: number[]; dtype: string }): Float32Array;
}

function heapBackend(): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/**
 * A writable view of float32 tensor `t`'s values in the wasm heap, or null on other backends.
 * Writing it changes `t` (and any tensor sharing its data) in place; valid only until the next
 * tfjs call.
 */
export function heapView(t: tf.Tensor): Float32Array | null {
  const heap = heapBackend();
  return heap && t.dtype === 'float32' ? heap.typedArrayFromHeap(t) : null;
}

/**
 * The values of float32 tensor `t`: on wasm a view of the heap, valid only until the next
 * tfjs call (which may grow and so move the heap); elsewhere `dataSync()`. Read it at once.
 */
export function valuesView(t: tf.Tensor): Float32Array {
  return heapView(t) ?? (t.dataSync() as Float32Array);
}

/** Copies float32 tensor `t`'s values into `out` at `offset`. */
export function copyValues(t: tf.Tensor, out: Float32Array, offset: number): void {
  out.set(valuesView(t), offset);
}

/**
 * A float32 tensor of `shape` holding a copy of `values` (which the caller may change
 * afterwards): no intermediate copy on wasm, `values.slice()` elsewhere.
 */
export function tensorFromCopy(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(heapBackend() ? values : values.slice(), shape, 'float32');
}
