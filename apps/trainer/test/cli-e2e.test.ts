import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createSyntheticDataset } from '../src/data/synthetic.js';
import {
  DEFAULT_BOX_COLORS,
  decodeOriginal,
  drawDetectionsRgb,
  encodePng,
} from '../src/io/image.js';
import { runCli } from './cli-helpers.js';

const run = runCli;
const dir = mkdtempSync(join(tmpdir(), 'burnin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('burnin CLI end to end', () => {
  const runDir = join(dir, 'run');

  it('train --preset smoke writes a run with a report', async () => {
    const r = await run(['train', '--preset', 'smoke', '--out', runDir, '--backend', 'wasm']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/completed at step 16/);
    expect(r.out).toMatch(/final AP \d\.\d{3}\s+AP50 \d\.\d{3}/);
    expect(r.out).toContain(join(runDir, 'report.html'));
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
  });

  it('eval --checkpoint prints the 12 COCO stats of the run', async () => {
    const r = await run(['eval', '--checkpoint', runDir, '--json', '--backend', 'wasm']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.step).toBe(16);
    expect(j.stats).toHaveLength(12);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(j.stats).toEqual(summary.final.stats);
  });

  it('predict draws boxes and prints COCO results in original-image pixels', async () => {
    const ds = createSyntheticDataset({ split: 'val', size: 1, imageSize: 32 });
    const img = join(dir, 'in.png');
    // a 64x48 image: letterboxed to 32x32 (scale 0.5, padY 4)
    const small = await encodePng(ds.get(0).image, 32);
    writeFileSync(img, await sharp(small).resize(64, 48, { fit: 'fill' }).png().toBuffer());
    const outPng = join(dir, 'out.png');
    const r = await run([
      'predict',
      '--checkpoint',
      runDir,
      img,
      '-o',
      outPng,
      '--json',
      '--score',
      '0',
      '--backend',
      'wasm',
    ]);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.out) as {
      bbox: number[];
      score: number;
      category_id: number;
      category: string;
    }[];
    expect(Array.isArray(results)).toBe(true);
    for (const d of results) {
      expect(d.bbox[0]).toBeGreaterThanOrEqual(0);
      expect(d.bbox[0] + d.bbox[2]).toBeLessThanOrEqual(64 + 1e-6);
      expect(d.bbox[1] + d.bbox[3]).toBeLessThanOrEqual(48 + 1e-6);
      expect([1, 2, 3]).toContain(d.category_id);
    }
    expect(results.length).toBeGreaterThan(0);
    // -o: the user's 64x48 image at its own size (not the 32x32 letterboxed model input),
    // boxes at the pixel coordinates the JSON gives
    const meta = await sharp(outPng).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    const expected = await drawDetectionsRgb(
      await decodeOriginal(img),
      results.flatMap((d) => [d.bbox[0], d.bbox[1], d.bbox[0] + d.bbox[2], d.bbox[1] + d.bbox[3]]),
      results.map((d) => `${d.category} ${d.score.toFixed(2)}`),
    );
    const raw = async (png: Buffer | string) => (await sharp(png).raw().toBuffer()).toString('hex');
    expect(await raw(outPng)).toBe(await raw(expected));
    // the last box drawn: its bottom-right outline pixel has its colour
    const last = results[results.length - 1].bbox;
    const px = await sharp(outPng).raw().toBuffer();
    const x = Math.ceil(last[0] + last[2]) - 1;
    const y = Math.ceil(last[1] + last[3]) - 1;
    const colour = DEFAULT_BOX_COLORS[(results.length - 1) % DEFAULT_BOX_COLORS.length];
    expect(`#${px.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3).toString('hex')}`).toBe(colour);
  });

  it('compare trains each schedule and seed and writes compare.json and compare.html', async () => {
    const out = join(dir, 'cmp');
    const args = [
      'compare',
      '--schedules',
      'constant,burnin',
      '--steps',
      '4',
      '--seeds',
      '2',
      '--preset',
      'smoke',
      '--out',
      out,
      '--backend',
      'wasm',
    ];
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/constant\s+\d\.\d{3} ± \d\.\d{3}/);
    const j = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(j.runs).toHaveLength(4);
    expect(j.rows.map((x: { schedule: string }) => x.schedule)).toEqual(['constant', 'burnin']);
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain('<svg');
    expect((await run(['compare', '--schedules', 'nope'])).code).toBe(2);
    // again on the same --out: the finished runs are kept, same table
    const again = await run(args);
    expect(again.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).runs).toEqual(j.runs);
    // other settings on the same --out: refused with one line, the runs untouched
    const other = await run(args.map((a) => (a === '4' ? '5' : a)));
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/holds a run of another configuration.*fresh --out/);
    expect(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).runs).toEqual(j.runs);
  });

  it('bad usage and bad input give non-zero exit codes with a message', async () => {
    expect((await run(['predict', '--checkpoint', runDir])).code).toBe(2);
    const missing = await run(['eval', '--checkpoint', join(dir, 'nope'), '--json']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read checkpoint/);
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'train:\n  steps: 0\n');
    const bad = await run(['train', '--config', cfg, '--out', join(dir, 'bad')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.yaml: invalid config at 'train\.steps'/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect((await run(['frobnicate'])).code).toBe(2);
    // an -o that cannot be written: exit 1, one line naming the file
    writeFileSync(join(dir, 'plain.txt'), 'not a folder');
    const unwritable = join(dir, 'plain.txt', 'out.png');
    const noOut = await run([
      'predict',
      '--checkpoint',
      runDir,
      join(dir, 'in.png'),
      '-o',
      unwritable,
    ]);
    expect(noOut.code).toBe(1);
    expect(noOut.err).toMatch(/plain\.txt\/out\.png: cannot write: ENOTDIR/);
    expect(noOut.err.split('\n')).toHaveLength(1);
  });
});

describe('the built burnin binary', () => {
  it('answers --version and --help through a bin symlink, with the exit codes of the README', () => {
    // build the current source into a fresh folder laid out like the package: pkg/dist, pkg/package.json
    const root = join(import.meta.dirname, '..');
    const pkg = join(dir, 'pkg');
    execFileSync('pnpm', ['exec', 'tsup', '--out-dir', join(pkg, 'dist')], {
      cwd: root,
      stdio: 'ignore',
    });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    // npm and pnpm install bins as symlinks named after the bin
    const bin = join(dir, 'burnin');
    symlinkSync(join(pkg, 'dist', 'cli.js'), bin);
    const burnin = (...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    expect(burnin('--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
    const help = burnin('train', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: burnin train /);
    expect(help.err).toBe('');
    const bare = burnin();
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toMatch(/^burnin \S+: example object-detection trainer/);
    const bad = burnin('predict', '--frob');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: unknown option --frob\n/);
  });
});
