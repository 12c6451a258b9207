import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from '@burnin/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyntheticDataset } from '../src/data/synthetic.js';
import type { Detector } from '../src/model/centernet.js';
import { giouWithGradient } from '../src/model/fused-loss.js';
import { composedDetectionLoss, detectionLoss, type LossNormalizers } from '../src/model/loss.js';
import { type BatchTargets, encodeTargets } from '../src/model/targets.js';
import { copyValues, tensorFromCopy, valuesView } from '../src/model/tensor-data.js';
import * as tf from '../src/tf.js';

/** The giouLoss cases of ../shared/reference/losses.json (torchvision formulas, float64). */
const reference = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'giou-torchvision.json',
);

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A variable holding `t`'s values (`t` disposed). */
function variableOf(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/** A stand-in detector whose outputs are the given variables (so their gradients show). */
function fixedOutputs(heatmap: tf.Variable, reg: tf.Variable): Detector {
  return { apply: () => ({ heatmap, reg }) } as unknown as Detector;
}

interface LossRun {
  total: number;
  terms: number[];
  gradHeatmap: Float32Array;
  gradReg: Float32Array;
}

function runLoss(
  loss: typeof detectionLoss,
  hm: tf.Variable,
  reg: tf.Variable,
  targets: BatchTargets,
  norm?: LossNormalizers,
): LossRun {
  const model = fixedOutputs(hm, reg);
  const x = tf.zeros([targets.shape[0], 16, 16, 3]) as tf.Tensor4D;
  let terms: number[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const r = loss(model, x, targets, { heatmap: 1, box: 2 }, norm);
    terms = Array.from(r.terms.dataSync());
    r.terms.dispose();
    return r.total;
  }, [hm, reg]);
  const out = {
    total: value.dataSync()[0],
    terms,
    gradHeatmap: grads[hm.name].dataSync().slice() as Float32Array,
    // the composed loss does not use reg without objects: no gradient (zeros)
    gradReg: (grads[reg.name]?.dataSync().slice() ?? new Float32Array(reg.size)) as Float32Array,
  };
  tf.dispose([value, x, ...Object.values(grads).filter((g) => g != null)]);
  return out;
}

/** Largest |a - b| over the array, relative to the largest |b| (1 where b is all 0). */
function relDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / (scale || 1);
}

function batch(seed: number, B: number, size = 64): BatchTargets {
  const ds = createSyntheticDataset({ split: 'train', size: 64, imageSize: size, seed });
  return encodeTargets(
    Array.from({ length: B }, (_, i) => ds.get(i)),
    size,
    3,
    4,
  );
}

describe('fused detection loss', () => {
  it('GIoU value and corner gradient equal torchvision (float64 reference)', () => {
    const ref = JSON.parse(readFileSync(reference, 'utf8')) as {
      cases: {
        fn: string;
        targets: number[][];
        predictions: number[][];
        expected: number[];
        gradSum: number[][];
      }[];
    };
    const cases = ref.cases.filter((c) => c.fn === 'giouLoss');
    expect(cases.length).toBeGreaterThan(0);
    let n = 0;
    for (const c of cases) {
      c.predictions.forEach((p, i) => {
        const g = new Float64Array(4);
        const loss = giouWithGradient(p[0], p[1], p[2], p[3], c.targets[i], 0, g);
        expect(loss).toBeCloseTo(c.expected[i], 9);
        for (let j = 0; j < 4; j++) expect(g[j]).toBeCloseTo(c.gradSum[i][j], 9);
        n++;
      });
    }
    expect(n).toBeGreaterThan(4);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`equals the composed loss (@burnin/losses) in value and gradients (${backend})`, async () => {
      await tf.setBackend(backend);
      if (backend === 'wasm') registerTrainingKernels();
      const before = tf.memory().numTensors;
      for (const [seed, hmScale, regScale] of [
        [1, 1, 0.3],
        [2, 4, 1],
        [3, 8, 4], // logits far out, raw sizes beyond the +-6 clip
      ]) {
        const targets = batch(seed, 4);
        expect(targets.count).toBeGreaterThan(0);
        const [B, H, W] = targets.shape;
        const hm = variableOf(tf.randomNormal(targets.shape, 0, hmScale, 'float32', seed));
        const reg = variableOf(tf.randomNormal([B, H, W, 4], 0, regScale, 'float32', 9 + seed));
        for (const norm of [undefined, { heatmap: 17, box: 13 }]) {
          const fused = runLoss(detectionLoss, hm, reg, targets, norm);
          const composed = runLoss(composedDetectionLoss, hm, reg, targets, norm);
          expect(Math.abs(fused.total - composed.total) / composed.total).toBeLessThan(1e-5);
          fused.terms.forEach((t, i) => {
            expect(Math.abs(t - composed.terms[i]) / composed.terms[i]).toBeLessThan(1e-5);
          });
          expect(relDiff(fused.gradHeatmap, composed.gradHeatmap)).toBeLessThan(1e-5);
          expect(relDiff(fused.gradReg, composed.gradReg)).toBeLessThan(1e-5);
          expect(fused.gradReg.some((v) => v !== 0)).toBe(true);
        }
        tf.dispose([hm, reg]);
      }
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
    });
  }

  it('without objects: box term 0, no box gradient, as composed', () => {
    const shape: [number, number, number, number] = [2, 8, 8, 3];
    const targets: BatchTargets = {
      heatmap: new Float32Array(2 * 8 * 8 * 3),
      centers: new Int32Array(0),
      boxes: new Float32Array(0),
      count: 0,
      shape,
    };
    const hm = variableOf(tf.randomNormal(shape, 0, 2, 'float32', 5));
    const reg = variableOf(tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 6));
    const fused = runLoss(detectionLoss, hm, reg, targets);
    const composed = runLoss(composedDetectionLoss, hm, reg, targets);
    expect(fused.terms[1]).toBe(0);
    expect(fused.gradReg.every((v) => v === 0)).toBe(true);
    expect(Math.abs(fused.total - composed.total) / composed.total).toBeLessThan(1e-5);
    expect(relDiff(fused.gradHeatmap, composed.gradHeatmap)).toBeLessThan(1e-5);
    tf.dispose([hm, reg]);
  });

  it('a NaN logit makes the loss NaN (the trainer stops on it); an infinite one infinite', () => {
    const targets = batch(4, 2);
    const [B, H, W] = targets.shape;
    const values = new Float32Array(targets.heatmap.length);
    // a cell that is not an object centre, so that +Infinity is a confident wrong answer there
    const cell = targets.heatmap.indexOf(0);
    for (const [v, check] of [
      [Number.NaN, Number.isNaN],
      [Number.POSITIVE_INFINITY, (x: number) => x === Number.POSITIVE_INFINITY],
    ] as const) {
      values.fill(0);
      values[cell] = v;
      const hm = variableOf(tf.tensor4d(values, targets.shape));
      const reg = variableOf(tf.zeros([B, H, W, 4]));
      const x = tf.zeros([B, 8, 8, 3]) as tf.Tensor4D;
      const r = detectionLoss(fixedOutputs(hm, reg), x, targets, {
        heatmap: 1,
        box: 1,
      });
      expect(check(r.total.dataSync()[0])).toBe(true);
      expect(check(r.terms.dataSync()[0])).toBe(true);
      tf.dispose([hm, reg, x, r.total, r.terms]);
    }
  });
});

describe('tensor data without copies', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`tensorFromCopy holds a copy, valuesView / copyValues read the values (${backend})`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const src = new Float32Array([1, 2, 3, 4, 5, 6]);
      const t = tensorFromCopy(src.subarray(1, 5), [2, 2]);
      src.fill(0);
      expect(Array.from(t.dataSync())).toEqual([2, 3, 4, 5]);
      expect(Array.from(valuesView(t))).toEqual([2, 3, 4, 5]);
      const out = new Float32Array(6);
      copyValues(t, out, 2);
      expect(Array.from(out)).toEqual([0, 0, 2, 3, 4, 5]);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
    });
  }
});
