import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvalFilesCommand } from '../src/commands/eval-files.js';
import { captureIo } from './cli-helpers.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const gt = join(fixtures, 'coco-fx1-gt.json');
const dt = join(fixtures, 'coco-fx1-dt.json');
/** pycocotools 2.0.11 `COCOeval.stats` for this fixture pair. */
const expected: number[] = JSON.parse(
  readFileSync(join(fixtures, 'coco-fx1-expected.json'), 'utf8'),
).stats;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'burnin-eval-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('burnin eval --gt --dt', () => {
  it('--json prints the 12 stats equal to pycocotools within 1e-9, and per-category numbers', async () => {
    const io = captureIo();
    expect(await runEvalFilesCommand(['--gt', gt, '--dt', dt, '--json'], io)).toBe(0);
    expect(io.err).toBe('');
    const parsed = JSON.parse(io.out);
    expect(parsed.stats).toHaveLength(12);
    parsed.stats.forEach((v: number, i: number) => {
      expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-9);
    });
    const gtJson = JSON.parse(readFileSync(gt, 'utf8'));
    const catIds = gtJson.categories.map((c: { id: number }) => String(c.id)).sort();
    expect(Object.keys(parsed.perCategory).sort()).toEqual(catIds);
    for (const stats of Object.values(parsed.perCategory) as { stats: number[] }[]) {
      expect(stats.stats).toHaveLength(12);
    }
  });

  it('prints pycocotools 12-line summary with the reference values', async () => {
    const io = captureIo();
    expect(await runEvalFilesCommand([`--gt=${gt}`, `--dt=${dt}`], io)).toBe(0);
    const lines = io.out.trimEnd().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(
      /^ Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = /,
    );
    expect(lines[11]).toMatch(
      /^ Average Recall {5}\(AR\) @\[ IoU=0\.50:0\.95 \| area= large \| maxDets=100 \] = /,
    );
    lines.forEach((line, i) => {
      expect(line.endsWith(` = ${expected[i].toFixed(3)}`)).toBe(true);
    });
  });

  it('exits 2 on a bad command line', async () => {
    for (const argv of [
      ['--gt', gt],
      ['--dt', dt],
      ['--gt', gt, '--dt', dt, '--bogus'],
      ['extra'],
    ]) {
      const io = captureIo();
      expect(await runEvalFilesCommand(argv, io)).toBe(2);
      expect(io.err).toMatch(/Usage: burnin eval/);
      expect(io.out).toBe('');
    }
  });

  it('exits 1 naming the file when a file is missing, not JSON or malformed', async () => {
    const missing = join(dir, 'nope.json');
    let io = captureIo();
    expect(await runEvalFilesCommand(['--gt', missing, '--dt', dt], io)).toBe(1);
    expect(io.err).toContain(missing);
    expect(io.out).toBe('');

    const notJson = join(dir, 'broken.json');
    await writeFile(notJson, '[{"image_id": 1,');
    io = captureIo();
    expect(await runEvalFilesCommand(['--gt', gt, '--dt', notJson], io)).toBe(1);
    expect(io.err).toContain(notJson);

    const badBox = join(dir, 'bad-box.json');
    const dets = JSON.parse(readFileSync(dt, 'utf8'));
    dets[2].bbox[2] = -4;
    await writeFile(badBox, JSON.stringify(dets));
    io = captureIo();
    expect(await runEvalFilesCommand(['--gt', gt, '--dt', badBox], io)).toBe(1);
    expect(io.err).toContain(badBox);
    expect(io.err).toMatch(/\[2\]/);
    expect(io.err).toMatch(/bbox/);
  });
});
