import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export interface ReferenceCase {
  lib: string;
  fn: string;
  opts: Record<string, unknown>;
  steps: number[];
  expected: number[];
}

/** The reference cases computed by the real libraries (copied from shared/reference). */
export function loadReference(): ReferenceCase[] {
  const url = new URL('./fixtures/schedules.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: ReferenceCase[] }).cases;
}

/**
 * Tolerance of the reference README: relative 1e-4 plus absolute 1e-6 times the case's
 * largest magnitude (TensorFlow computes in float32).
 */
export function expectClose(actual: number[], expected: number[], label = ''): void {
  const scaleMax = Math.max(...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const tol = 1e-4 * Math.abs(e) + 1e-6 * scaleMax + 1e-15;
    const a = actual[i];
    if (!(Math.abs(a - e) <= tol)) {
      expect.fail(`${label} index ${i}: got ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}

/** Evaluates `fn` at `steps`. */
export function evalAt(fn: (step: number) => number, steps: number[]): number[] {
  return steps.map((s) => fn(s));
}
