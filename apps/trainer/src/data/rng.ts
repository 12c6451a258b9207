/**
 * Small deterministic PRNG (mulberry32). Its whole state is one uint32, so it can be
 * saved in a checkpoint and restored exactly.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  (): number;
  /** Current internal state (uint32). */
  state(): number;
}

// The state is carried as an int32 (the same 32 bits as the uint32 state, which only
// `state()` converts back): a uint32 above 2^31 is no small integer to V8, whose optimized
// loops then kept it as a float64 and ran a loop of draws up to 4x slower.

/**
 * mulberry32's state step, for loops that draw inline: int32 in, int32 out (`s | 0` of a
 * uint32 state; `>>> 0` gives the uint32 back). `draw(advance(s))` is the next value.
 */
export function advance(s: number): number {
  return (s + 0x6d2b79f5) | 0;
}

/** mulberry32's draw in [0, 1) from a just advanced int32 state (see {@link advance}). */
export function draw(s: number): number {
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Creates a mulberry32 generator from a uint32 seed/state. */
export function createRng(seed: number): Rng {
  let s = seed | 0;
  const next = (() => {
    s = advance(s);
    return draw(s);
  }) as Rng;
  next.state = () => s >>> 0;
  return next;
}

/** Mixes integers into one uint32 seed (order sensitive). */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** Uniform float in [lo, hi). */
export function uniform(rng: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Fisher-Yates permutation of 0..n-1 from a seed. */
export function permutation(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
