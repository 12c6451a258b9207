/**
 * `np.linspace(start, stop, num)` (endpoint included) with numpy's arithmetic:
 * `i * ((stop - start) / (num - 1)) + start`, the last value set to `stop` exactly.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

const PAIRWISE_BLOCK = 128;

function pairwise(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PAIRWISE_BLOCK) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 += a[p];
      r1 += a[p + 1];
      r2 += a[p + 2];
      r3 += a[p + 3];
      r4 += a[p + 4];
      r5 += a[p + 5];
      r6 += a[p + 6];
      r7 += a[p + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/**
 * Sum of `a[0..n)` in numpy's pairwise order (as `np.sum` / `np.mean` of a contiguous float64
 * array add them), so means match numpy to the last bit.
 */
export function numpySum(a: ArrayLike<number>, n = a.length): number {
  return 0 + pairwise(a, 0, n);
}

/**
 * Python's `format(x, '.{digits}f')`: like `toFixed`, but an exact tie rounds half to even
 * (Python `0.0625 -> '0.062'`, JavaScript `'0.063'`) and `-0` keeps its sign. `digits` >= 1.
 */
export function pythonFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let text = ax.toFixed(digits);
  if (ax < 1e21) {
    // A tie at `digits` decimals has an exact decimal expansion ending in that 5.
    const exact = ax.toFixed(digits + 25);
    const dot = exact.indexOf('.');
    const tail = exact.slice(dot + 1 + digits);
    if (tail === `5${'0'.repeat(24)}`) {
      const truncated = exact.slice(0, dot + 1 + digits);
      const lastDigit = Number(truncated[truncated.length - 1]);
      if (lastDigit % 2 === 0) text = truncated;
    }
  }
  return negative ? `-${text}` : text;
}
