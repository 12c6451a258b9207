const RUN = 16;

/**
 * Sorts `idx[lo..hi)` by `key[idx[j]]` descending, stable (equal keys keep their order), like
 * numpy's `argsort(-key, kind='mergesort')`. `tmp` is scratch with at least `hi` entries.
 */
export function stableSortDesc(
  idx: Int32Array,
  lo: number,
  hi: number,
  key: Float64Array,
  tmp: Int32Array,
): void {
  const n = hi - lo;
  if (n < 2) return;
  for (let s = lo; s < hi; s += RUN) {
    const end = Math.min(s + RUN, hi);
    for (let i = s + 1; i < end; i++) {
      const v = idx[i];
      const kv = key[v];
      let j = i - 1;
      while (j >= s && key[idx[j]] < kv) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = v;
    }
  }
  if (n <= RUN) return;
  let src = idx;
  let dst = tmp;
  for (let width = RUN; width < n; width *= 2) {
    for (let left = lo; left < hi; left += 2 * width) {
      const mid = Math.min(left + width, hi);
      const right = Math.min(left + 2 * width, hi);
      let i = left;
      let j = mid;
      let o = left;
      while (i < mid && j < right) {
        // Take from the left run on ties: stable.
        if (key[src[i]] >= key[src[j]]) dst[o++] = src[i++];
        else dst[o++] = src[j++];
      }
      while (i < mid) dst[o++] = src[i++];
      while (j < right) dst[o++] = src[j++];
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  if (src !== idx) idx.set(src.subarray(lo, hi), lo);
}

/**
 * Stable counting sort of `n` items by integer key in `[0, numKeys)`. Returns `order` (item
 * indices grouped by key, original order within a key) and `start` (`numKeys + 1` offsets:
 * key `b` owns `order[start[b]..start[b + 1])`).
 */
export function bucketByKey(
  keys: Int32Array,
  n: number,
  numKeys: number,
): { order: Int32Array; start: Int32Array } {
  const start = new Int32Array(numKeys + 1);
  for (let i = 0; i < n; i++) start[keys[i] + 1]++;
  for (let b = 0; b < numKeys; b++) start[b + 1] += start[b];
  const fill = start.slice(0, numKeys);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[keys[i]]++] = i;
  return { order, start };
}
