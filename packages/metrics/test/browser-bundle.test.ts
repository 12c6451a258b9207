import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, bundle } from './bundle.js';

let dist: Awaited<ReturnType<typeof buildDist>>;
beforeAll(async () => {
  dist = await buildDist();
}, 120_000);
afterAll(() => dist?.cleanup());

describe('browser bundle of the main entry', () => {
  it('esbuild (platform browser) bundles CocoEvaluator with no Node built-ins', async () => {
    const out = await bundle(
      "import { CocoEvaluator, vocAP } from './index.js'; console.log(CocoEvaluator, vocAP);",
      dist.dir,
    );
    const imports = Object.values(out.metafile.outputs)[0]?.imports ?? [];
    expect(imports).toEqual([]);
    expect(out.inputs.filter((i) => /(^|[^a-z])(node:|fs)/.test(i))).toEqual([]);
    expect(out.code).not.toMatch(/node:|["']fs["']|fs\/promises/);
  });

  it('the whole main entry bundles for the browser', async () => {
    const out = await bundle("export * from './index.js';", dist.dir);
    expect(out.code).not.toMatch(/node:|["']fs["']|fs\/promises/);
  });

  it('the file helpers live in @burnin/metrics/node', async () => {
    const main = await import('../src/index.js');
    const node = await import('../src/node.js');
    expect('evaluateCocoFiles' in main).toBe(false);
    expect(typeof node.evaluateCocoFiles).toBe('function');
    expect(typeof node.readCocoGroundTruth).toBe('function');
    expect(typeof node.readCocoResults).toBe('function');
  });
});
