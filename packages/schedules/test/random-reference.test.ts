import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { ScheduleStepError } from '../src/index.js';

// Reference values written by scripts/reference/gen_*.py (random configurations per family
// and the edge cases of issue 16). See scripts/reference/README.md.

interface Case {
  lib: string;
  fn: string;
  opts: Record<string, unknown>;
  steps: number[];
  expected: (number | null)[];
  raises?: 'construct';
  error?: string;
}

// The fixed lambdas of scripts/reference/gen_torch.py, registered under the same names.
const LAMBDAS: Record<string, (x: number) => number> = {
  pow095: (e) => 0.95 ** e,
  inv1p: (e) => 1 / (1 + e),
  warmup10: (e) => Math.min(1, (e + 1) / 10),
  const095: () => 0.95,
  halfpow: (x) => 0.5 ** (x - 1),
};
for (const [name, fn] of Object.entries(LAMBDAS)) lib.registerLambda(name, fn);

/**
 * Tolerances, relative to each value plus the same factor times the case's largest magnitude
 * (values crossing zero). Every generator computes in float64: torch natively (its chainable
 * forms round once per step), optax with jax_enable_x64, Keras with floatx float64; darknet's
 * formula in double after rand_uniform's float. TF OD API computes in float32
 * (scripts/reference/gen_tfod.py, verified bit for bit against shared/reference): relative 1e-4
 * plus 1e-6 times the case's largest value, as shared/reference/README.md states for float32.
 */
const TOL: Record<string, number> = {
  torch: 1e-12,
  darknet: 1e-12,
  optax: 1e-12,
  keras: 1e-12,
  tfod: 1e-4,
};
/** Factor of the case's largest magnitude where it is not the relative tolerance. */
const SCALE_TOL: Record<string, number> = { tfod: 1e-6 };

const dir = new URL('./fixtures/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('-random.json'));
const maxErr = new Map<string, number>();

function build(c: Case): lib.Schedule {
  return lib.fromJSON({ type: `${c.lib}.${c.fn}`, options: c.opts });
}

describe.each(files)('%s', (file) => {
  const cases = (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { cases: Case[] }).cases;
  it('has hundreds of cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });
  it.each(cases.map((c, i) => [`${i} ${c.lib}.${c.fn} ${JSON.stringify(c.opts)}`, c] as const))(
    '%s',
    (_label, c) => {
      if (c.raises === 'construct') {
        expect(() => build(c)).toThrow(lib.ScheduleOptionError);
        return;
      }
      const s = build(c);
      const finite = c.expected.filter((e): e is number => e !== null);
      const scale = Math.max(0, ...finite.map(Math.abs));
      const tol = TOL[c.lib];
      const scaleTol = SCALE_TOL[c.lib] ?? tol;
      const key = `${c.lib}.${c.fn}`;
      c.steps.forEach((step, i) => {
        const e = c.expected[i];
        if (e === null) {
          expect(() => s(step), `step ${step} raises in ${c.lib}`).toThrow(ScheduleStepError);
          return;
        }
        const a = s(step);
        const err = Math.abs(a - e) / Math.max(Math.abs(e), scale * 1e-3, 1e-300);
        if (err > (maxErr.get(key) ?? 0)) maxErr.set(key, err);
        if (!(Math.abs(a - e) <= tol * Math.abs(e) + scaleTol * scale || a === e)) {
          expect.fail(`step ${step}: got ${a}, expected ${e} (relative tolerance ${tol})`);
        }
      });
    },
  );
});

afterAll(() => {
  if (process.env.REFERENCE_REPORT) {
    const rows = [...maxErr.entries()].sort().map(([k, v]) => `${k}\t${v.toExponential(2)}`);
    console.log(`max relative error per family:\n${rows.join('\n')}`);
  }
});
