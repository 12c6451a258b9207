import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelFormat, makeLabels } from '../src/export/labels.js';
import { loadExport } from '../src/export/load.js';
import { modelFiles } from '../src/export/model-files.js';
import type { Quantization } from '../src/export/weights.js';
import { createDetector, type Detector } from '../src/model/centernet.js';
import { DECODE_DEFAULTS, decodeDetections } from '../src/model/decode.js';
import * as tf from '../src/tf.js';

let root: string;
let model: Detector;
const SIZE = 32;

/** Writes an export (model files + labels.json) of `model` to a new folder. */
async function exportTo(format: ModelFormat, quantization: Quantization): Promise<string> {
  const dir = join(root, `${format}-${quantization}`);
  mkdirSync(dir);
  for (const f of await modelFiles(model, format, quantization))
    writeFileSync(join(dir, f.name), f.bytes);
  const labels = makeLabels({
    modelFormat: format,
    quantization,
    classNames: ['a', 'b', 'c'],
    inputSize: SIZE,
    decode: { ...DECODE_DEFAULTS },
    minScore: 0.3,
    source: { checkpoint: 'test', step: 0 },
  });
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(labels));
  return dir;
}

function images(n: number): tf.Tensor4D {
  const data = new Float32Array(n * SIZE * SIZE * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 999;
  return tf.tensor4d(data, [n, SIZE, SIZE, 3]);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'burnin-export-model-'));
  model = createDetector({ inputSize: SIZE, numClasses: 3, widths: [8, 12, 16], headWidth: 8 }, 3);
  // move the heatmap bias and weights off their init so outputs are not near-constant
  for (const v of model.variables)
    v.assign(tf.tidy(() => tf.add(v, tf.mul(tf.randomNormal(v.shape, 0, 0.05, 'float32', 7), 1))));
});

afterAll(() => {
  model.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('exported model (graph and layers) computes what the trainer computes', () => {
  for (const format of ['graph', 'layers'] as const) {
    it(`${format}: same heatmap and reg as Detector.apply within 1e-5 (cpu), no tensor leaks`, async () => {
      const dir = await exportTo(format, 'float32');
      const before = tf.memory().numTensors;
      const loaded = await loadExport(dir);
      const x = images(2);
      const want = model.apply(x);
      const got = loaded.apply(x);
      expect(got.heatmap.shape).toEqual([2, SIZE / 4, SIZE / 4, 3]);
      expect(maxAbsDiff(got.heatmap, want.heatmap)).toBeLessThan(1e-5);
      expect(maxAbsDiff(got.reg, want.reg)).toBeLessThan(1e-5);
      const d1 = decodeDetections(want.heatmap, want.reg);
      const d2 = decodeDetections(got.heatmap, got.reg);
      expect(d2.map((d) => d.length)).toEqual(d1.map((d) => d.length));
      tf.dispose([x, want.heatmap, want.reg, got.heatmap, got.reg]);
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
