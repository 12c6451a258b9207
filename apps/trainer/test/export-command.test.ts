import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEvalCheckpointCommand } from '../src/commands/eval-checkpoint.js';
import { resolveConfig } from '../src/config.js';
import { exportCheckpoint } from '../src/export/export.js';
import { ExportWriteError } from '../src/export/folder.js';
import { loadExport } from '../src/export/load.js';
import * as tf from '../src/tf.js';
import { CheckpointError, writeCheckpoint } from '../src/train/checkpoint.js';
import { modelFromConfig } from '../src/train/train.js';

let root: string;
let ckpt: string;
let assetDir: string;
const config = resolveConfig({ preset: 'smoke' });
const classNames = ['circle', 'square', 'triangle'];

/** Stand-ins for the built page and tfjs builds (the browser test uses the real ones). */
const assets = () => [
  { from: join(assetDir, 'index.html'), name: 'index.html' },
  { from: join(assetDir, 'detect.js'), name: 'detect.js' },
  { from: join(assetDir, 'tf.js'), name: 'tfjs/tf-core.min.js' },
];

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'burnin-export-cmd-'));
  assetDir = join(root, 'assets');
  mkdirSync(assetDir);
  for (const f of ['index.html', 'detect.js', 'tf.js'])
    writeFileSync(join(assetDir, f), `/* ${f} */`);
  const model = modelFromConfig(config, classNames.length);
  ckpt = join(root, 'run.ckpt');
  writeCheckpoint(ckpt, {
    meta: {
      format: 'burnin-centernet',
      step: 7,
      config,
      classNames,
      modelVariables: model.variables.map((v) => v.name),
    },
    tensors: model.variables.map((v) => ({
      name: `model/${v.name}`,
      shape: [...v.shape],
      dtype: 'float32' as const,
      data: Float32Array.from(v.dataSync() as Float32Array).map((x, i) => x + Math.sin(i) * 0.01),
    })),
  });
  model.dispose();
});

afterEach(() => {
  delete process.env.BURNIN_TEST_FAULTS;
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('burnin export', () => {
  it('writes model.json, the shards, labels.json and the page; the model loads and leaks nothing', async () => {
    const out = join(root, 'exp');
    const before = tf.memory().numTensors;
    const r = await exportCheckpoint({ checkpoint: ckpt, out, assets });
    expect(tf.memory().numTensors).toBe(before);
    expect(listing(out)).toEqual(
      [
        'detect.js',
        'group1-shard1of1.bin',
        'index.html',
        'labels.json',
        'model.json',
        'tfjs',
        'tfjs/tf-core.min.js',
      ].sort(),
    );
    expect(r.step).toBe(7);
    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8'));
    expect(labels).toMatchObject({
      format: 'burnin-export',
      version: 1,
      modelFormat: 'graph',
      quantization: 'float32',
      classNames,
      inputSize: 32,
      outputStride: 4,
      decode: { topK: 100, scoreThreshold: 0.01, nmsIou: 0.6 },
      minScore: 0.3,
      source: { checkpoint: ckpt, step: 7 },
    });
    const loaded = await loadExport(out);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = loaded.apply(x);
    expect(y.heatmap.shape).toEqual([1, 8, 8, 3]);
    tf.dispose([x, y.heatmap, y.reg]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('--quantize float16 / uint8 store 2 / 1 bytes per weight (plus the exact constants)', async () => {
    const sizes: Record<string, number> = {};
    for (const q of ['float32', 'float16', 'uint8'] as const) {
      const r = await exportCheckpoint({
        checkpoint: ckpt,
        out: join(root, `q-${q}`),
        quantization: q,
        assets,
      });
      sizes[q] = r.weightBytes;
    }
    // 2 scalar float32 constants and 2 int32 resize sizes (2 values each) stay exact: 24 bytes
    const n = (sizes.float32 - 24) / 4;
    expect(sizes.float16).toBe(n * 2 + 24);
    expect(sizes.uint8).toBe(n + 24);
  });

  it('replaces an earlier export at --out, and nothing else', async () => {
    const out = join(root, 'again');
    await exportCheckpoint({ checkpoint: ckpt, out, assets });
    writeFileSync(join(out, 'stale.txt'), 'old');
    await exportCheckpoint({ checkpoint: ckpt, out, format: 'layers', assets });
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')).modelFormat).toBe('layers');
    expect(
      readdirSync(root).filter((n) => n.includes('export-tmp') || n.includes('export-old')),
    ).toEqual([]);
  });

  it('refuses an --out that exists and is not an export, touching nothing', async () => {
    const out = join(root, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    await expect(exportCheckpoint({ checkpoint: ckpt, out, assets })).rejects.toThrow(
      new RegExp(
        `--out ${out} exists and is not a burnin export \\(no ${join(out, 'labels.json')} with format 'burnin-export'\\)`,
      ),
    );
    expect(listing(out)).toEqual(['notes.txt']);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    await expect(exportCheckpoint({ checkpoint: ckpt, out: file, assets })).rejects.toThrow(
      /exists and is not a folder/,
    );
    writeFileSync(join(out, 'labels.json'), JSON.stringify({ format: 'something-else' }));
    await expect(exportCheckpoint({ checkpoint: ckpt, out, assets })).rejects.toThrow(
      ExportWriteError,
    );
  });

  it('refuses a file that is not a burnin checkpoint, of another version or detector, naming it', async () => {
    const out = join(root, 'never');
    const junk = join(root, 'junk.ckpt');
    writeFileSync(junk, 'not a checkpoint at all');
    await expect(exportCheckpoint({ checkpoint: junk, out, assets })).rejects.toThrow(
      new RegExp(`checkpoint ${junk} is not a burnin checkpoint`),
    );
    // a well-formed format-2 file whose header says version 3
    const header = Buffer.from(JSON.stringify({ version: 3, meta: {}, tensors: [] }));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const body = Buffer.concat([Buffer.from('BURNCKP2'), len, header]);
    const v3 = join(root, 'v3.ckpt');
    writeFileSync(v3, Buffer.concat([body, createHash('sha256').update(body).digest()]));
    await expect(exportCheckpoint({ checkpoint: v3, out, assets })).rejects.toThrow(
      new RegExp(`checkpoint ${v3} has format version 3, expected 2`),
    );
    const other = join(root, 'other.ckpt');
    writeCheckpoint(other, { meta: { format: 'someone-else' }, tensors: [] });
    await expect(exportCheckpoint({ checkpoint: other, out, assets })).rejects.toThrow(
      CheckpointError,
    );
    await expect(
      exportCheckpoint({ checkpoint: join(root, 'missing'), out, assets }),
    ).rejects.toThrow(
      new RegExp(
        `cannot read checkpoint ${join(root, 'missing', 'checkpoints', 'latest.ckpt')}: no such file`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('an unwritable folder or a full disk: one error naming the export, nothing half-written', async () => {
    const out = join(root, 'faulty');
    process.env.BURNIN_TEST_FAULTS = JSON.stringify({
      match: '.faulty.export-tmp-',
      failOpen: 'EROFS',
    });
    await expect(exportCheckpoint({ checkpoint: ckpt, out, assets })).rejects.toThrow(
      new RegExp(
        `cannot write export ${out}: .*model\\.json: the folder is read-only or not writable \\(EROFS\\)`,
      ),
    );
    process.env.BURNIN_TEST_FAULTS = JSON.stringify({
      match: '.bin',
      failWrite: 1,
      code: 'ENOSPC',
    });
    await expect(exportCheckpoint({ checkpoint: ckpt, out, assets })).rejects.toThrow(
      /group1-shard1of1\.bin: no space left on the device \(ENOSPC\)/,
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('.faulty'))).toEqual([]);
    await expect(
      exportCheckpoint({ checkpoint: ckpt, out: join(root, 'no', 'such', 'dir'), assets }),
    ).rejects.toThrow(/its folder .*no\/such does not exist/);
  });

  it("eval --model gives the checkpoint's own COCO stats for a float32 export (same decode)", async () => {
    const out = join(root, 'for-eval');
    await exportCheckpoint({ checkpoint: ckpt, out, format: 'layers', assets });
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((l: string) => {
      lines.push(l);
    });
    try {
      await runEvalCheckpointCommand(['--checkpoint', ckpt, '--json', '--backend', 'cpu']);
      await runEvalCheckpointCommand([
        '--checkpoint',
        ckpt,
        '--model',
        out,
        '--json',
        '--backend',
        'cpu',
      ]);
    } finally {
      spy.mockRestore();
    }
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(b.model).toBe(out);
    expect(b.stats).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect(b.stats[i]).toBeCloseTo(a.stats[i], 6);
    // an export of another input size is refused, naming its labels.json
    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8'));
    writeFileSync(join(out, 'labels.json'), JSON.stringify({ ...labels, inputSize: 64 }));
    await expect(
      runEvalCheckpointCommand(['--checkpoint', ckpt, '--model', out, '--backend', 'cpu']),
    ).rejects.toThrow(
      new RegExp(
        `${join(out, 'labels.json')}: input 64 px, classes \\[circle,square,triangle\\] differ`,
      ),
    );
  });
});
