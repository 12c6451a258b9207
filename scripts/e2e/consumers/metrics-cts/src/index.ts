// Consumer (d) of the publish end-to-end test: a CommonJS TypeScript project ("type":
// "commonjs", NodeNext) with @burnin/metrics. tsc resolves the package's `require` types
// (the published .d.cts, skipLibCheck off) and compiles the imports to `require`; node runs
// the result, which evaluates a COCO fixture and compares with pycocotools.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CocoEvaluator } from '@burnin/metrics';
import { evaluateCocoFiles } from '@burnin/metrics/node';

const fixtures = join(__dirname, '..', 'fixtures');
const expected: number[] = JSON.parse(
  readFileSync(join(fixtures, 'fx1_expected.json'), 'utf8'),
).stats;

// The types are real, not `any` (checked by tsc only, never called).
export function wrongGroundTruthDoesNotTypeCheck() {
  // @ts-expect-error the ground truth is a COCO object, not a number
  return new CocoEvaluator(42);
}

async function main() {
  assert.match(require.resolve('@burnin/metrics'), /dist[/\\]index\.cjs$/);
  const result = await evaluateCocoFiles(
    join(fixtures, 'fx1_gt.json'),
    join(fixtures, 'fx1_dt.json'),
  );
  assert.equal(result.stats.length, 12);
  result.stats.forEach((got, i) => {
    assert.ok(
      Math.abs(got - expected[i]) <= 1e-9,
      `stats[${i}] = ${got}, pycocotools ${expected[i]}`,
    );
  });
  console.log(`metrics-cts: 12 COCO stats match pycocotools (AP ${result.stats[0].toFixed(4)})`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
