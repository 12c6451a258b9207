import '@tensorflow/tfjs-backend-cpu';
import {
  CONV_BIAS_ACTIVATION_KERNEL,
  initBackend,
  RELU_GRAD_KERNEL,
  registerTrainingKernels,
} from '@burnin/backend';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { advance, createRng, draw } from '../src/data/rng.js';
import { createSyntheticDataset, SyntheticDatasetError } from '../src/data/synthetic.js';
import { createDetector } from '../src/model/centernet.js';
import { convBlock } from '../src/model/conv-block.js';
import { decodeDetections, nms } from '../src/model/decode.js';
import { detectionLoss, imagesToTensor } from '../src/model/loss.js';
import { encodeTargets, gaussianRadius } from '../src/model/targets.js';
import * as tf from '../src/tf.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function iou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const i = iw * ih;
  return i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i);
}

describe('rng', () => {
  it('draw(advance(s)) inline draws what createRng would, and createRng(its state) continues', () => {
    for (const seed of [0, 1, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff]) {
      const r = createRng(seed);
      r();
      let s = r.state() | 0;
      const ref = createRng(seed);
      ref();
      for (let i = 0; i < 1000; i++) {
        s = advance(s);
        expect(draw(s)).toBe(ref());
      }
      expect(s >>> 0).toBe(ref.state());
      const cont = createRng(s >>> 0);
      for (let i = 0; i < 10; i++) expect(cont()).toBe(ref());
    }
  });
  it('mulberry32 reference values (seed 0x12345678)', () => {
    const r = createRng(0x12345678);
    // Tommy Ettinger's mulberry32, written out in Python with uint32 arithmetic
    expect(Array.from({ length: 3 }, () => r())).toEqual([
      0.10615200875326991, 0.941276284167543, 0.9398706152569503,
    ]);
  });
});

describe('convBlock', () => {
  /** The plain composition the block replaces, differentiated by tfjs's own gradients. */
  const plain = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, s: 1 | 2, act: string) => {
    const z = tf.add(tf.conv2d(x, w, s, 'same'), b) as tf.Tensor4D;
    return act === 'relu' ? tf.relu(z) : z;
  };
  const cases = [
    { x: [2, 9, 9, 3], k: 3, cout: 8, stride: 2, act: 'relu', inputGradient: false },
    { x: [2, 8, 8, 8], k: 3, cout: 5, stride: 1, act: 'relu', inputGradient: true },
    { x: [1, 7, 6, 4], k: 3, cout: 4, stride: 2, act: 'relu', inputGradient: true },
    { x: [2, 6, 6, 6], k: 1, cout: 3, stride: 1, act: 'linear', inputGradient: true },
  ] as const;
  const check = (c: (typeof cases)[number], withKernels: boolean, backend = 'cpu') =>
    it(`equals conv2d + add + ${c.act} bit for bit, values and gradients (x ${c.x}, k ${c.k}, stride ${c.stride}${withKernels ? `, training kernels, ${backend}` : ''})`, async () => {
      // wasm through initBackend, which loads the native kernels where they run
      if (backend === 'wasm') await initBackend('wasm', { log: () => {}, threads: 1 });
      else await tf.setBackend(backend);
      expect(tf.getKernel(RELU_GRAD_KERNEL, backend) != null).toBe(withKernels);
      const r = createRng(c.x.reduce<number>((a, v) => a * 31 + v, c.k));
      const rand = (shape: number[]) =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, v) => a * v, 1) }, () => r() * 2 - 1),
          shape,
        );
      const x = rand([...c.x]) as tf.Tensor4D;
      const w = rand([c.k, c.k, c.x[3], c.cout]) as tf.Tensor4D;
      const b = rand([c.cout]) as tf.Tensor1D;
      // a loss that weighs every output differently (a random upstream gradient)
      const y0 = plain(x, w, b, c.stride, c.act);
      const up = rand(y0.shape);
      const loss = (f: () => tf.Tensor) => tf.sum(tf.mul(f(), up)) as tf.Scalar;
      const before = tf.memory().numTensors;
      const gPlain = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        loss(() => plain(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, c.stride, c.act)),
      )([x, w, b]);
      const gBlock = c.inputGradient
        ? tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
            loss(() =>
              convBlock(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, c.stride, c.act),
            ),
          )([x, w, b])
        : [
            null,
            ...tf.grads((wi: tf.Tensor, bi: tf.Tensor) =>
              loss(() =>
                convBlock(x, wi as tf.Tensor4D, bi as tf.Tensor1D, c.stride, c.act, false),
              ),
            )([w, b]),
          ];
      let yBlock = null as unknown as tf.Tensor4D;
      const profile = await tf.profile(() => {
        yBlock = tf.keep(convBlock(x, w, b, c.stride, c.act, c.inputGradient));
      });
      // with the training kernels the block's value is one BurninConvBiasActivation kernel
      const names = profile.kernels.map((k) => k.name);
      expect(names.includes(CONV_BIAS_ACTIVATION_KERNEL)).toBe(withKernels);
      expect(names.includes('Conv2D')).toBe(!withKernels);
      expect(Array.from(yBlock.dataSync())).toEqual(Array.from(y0.dataSync()));
      expect(y0.dataSync().some((v) => v === 0)).toBe(c.act === 'relu');
      for (const i of [0, 1, 2]) {
        const g = gBlock[i];
        if (g == null) continue;
        expect(Array.from(g.dataSync())).toEqual(Array.from(gPlain[i]!.dataSync()));
        expect(g.dataSync().some((v) => v !== 0)).toBe(true);
      }
      tf.dispose([...gPlain, ...gBlock.filter((g): g is tf.Tensor => g != null), yBlock]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, w, b, y0, up]);
    });
  for (const c of cases) check(c, false);
  it('@burnin/backend registers the fused relu gradient the blocks use', () => {
    expect(tf.getKernel(RELU_GRAD_KERNEL, 'cpu')).toBeUndefined();
    registerTrainingKernels();
    expect(tf.getKernel(RELU_GRAD_KERNEL, 'cpu')).toBeDefined();
  });
  for (const c of cases) check(c, true);
  for (const c of cases) check(c, true, 'wasm');
  it('(back to the cpu backend)', async () => {
    await tf.setBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('imagesToTensor', () => {
  it('stacks the images in order, leaks nothing, and the next batch does not change the last', () => {
    const ds = createSyntheticDataset({ split: 'train', size: 5, imageSize: 32 });
    const batch = (ids: number[]) => ids.map((i) => ds.get(i).image);
    const before = tf.memory().numTensors;
    const a = imagesToTensor(batch([0, 1, 2]), 32);
    const b = imagesToTensor(batch([3, 4]), 32);
    expect(a.shape).toEqual([3, 32, 32, 3]);
    expect(b.shape).toEqual([2, 32, 32, 3]);
    const px = 32 * 32 * 3;
    const va = a.dataSync();
    for (const [k, id] of [0, 1, 2].entries())
      expect(Array.from(va.subarray(k * px, (k + 1) * px))).toEqual(Array.from(ds.get(id).image));
    expect(Array.from(b.dataSync().subarray(px))).toEqual(Array.from(ds.get(4).image));
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(before);
  });
  it('a batch larger than the reused buffer (16 MB) gets a buffer of its own, with the same values', () => {
    const S = 512;
    const px = S * S * 3;
    const images = Array.from({ length: 6 }, (_, k) =>
      Float32Array.from({ length: px }, (_, i) => (i * 7 + k) % 11),
    );
    const big = imagesToTensor(images, S);
    const v = big.dataSync();
    expect(v[5 * px + 12345]).toBe(images[5][12345]);
    expect(v[0]).toBe(images[0][0]);
    expect(v.length).toBe(6 * px);
    big.dispose();
    const small = imagesToTensor([images[1].subarray(0, 8 * 8 * 3)], 8);
    expect(Array.from(small.dataSync())).toEqual(Array.from(images[1].subarray(0, 192)));
    small.dispose();
  });
  it('rejects an image of another size with a RangeError that names it', () => {
    const ok = new Float32Array(8 * 8 * 3);
    expect(() => imagesToTensor([ok, new Float32Array(10)], 8)).toThrow(
      /image 1 of the batch has 10 values, not 8 x 8 x 3 = 192/,
    );
  });
});

describe('synthetic dataset', () => {
  it('is deterministic, keeps boxes inside the image and respects the size range', () => {
    const a = createSyntheticDataset({ split: 'train', size: 20, imageSize: 64, seed: 3 });
    const b = createSyntheticDataset({ split: 'train', size: 20, imageSize: 64, seed: 3 });
    const v = createSyntheticDataset({ split: 'val', size: 20, imageSize: 64, seed: 3 });
    for (let i = 0; i < 20; i++) {
      const s = a.get(i);
      expect(Array.from(s.image)).toEqual(Array.from(b.get(i).image));
      expect(Array.from(s.image)).not.toEqual(Array.from(v.get(i).image));
      expect(s.classes.length).toBeGreaterThan(0);
      for (let j = 0; j < s.classes.length; j++) {
        const [x1, y1, x2, y2] = s.boxes.subarray(j * 4, j * 4 + 4);
        expect(x1).toBeGreaterThanOrEqual(0);
        expect(y2).toBeLessThanOrEqual(64);
        expect(Math.min(x2 - x1, y2 - y1)).toBeGreaterThanOrEqual(6);
        expect(Math.max(x2 - x1, y2 - y1)).toBeLessThanOrEqual(32 * 1.3 + 1);
      }
      for (const p of s.image) expect(p >= 0 && p <= 1).toBe(true);
    }
  });

  it('flip augmentation mirrors image and boxes', () => {
    const ds = createSyntheticDataset({ split: 'train', size: 4, imageSize: 32 });
    const plain = ds.get(1);
    const flipped = ds.get(1, { rng: () => 0 });
    expect(flipped.image[0]).toBe(plain.image[31 * 3]);
    expect(flipped.boxes[0]).toBe(32 - plain.boxes[2]);
  });

  it('rejects bad options with a typed error naming the option', () => {
    expect(() => createSyntheticDataset({ split: 'train', size: 0 })).toThrow(
      SyntheticDatasetError,
    );
    expect(() => createSyntheticDataset({ split: 'train', size: 2, imageSize: 20 })).toThrow(
      /imageSize/,
    );
    const ds = createSyntheticDataset({ split: 'train', size: 2 });
    expect(() => ds.get(2)).toThrow(/index must be an integer in \[0, 2\)/);
  });
});

describe('targets', () => {
  it('gaussianRadius: corners moved by r keep IoU >= minOverlap (CenterNet definition)', () => {
    const rng = createRng(5);
    for (let t = 0; t < 50; t++) {
      const w = 2 + rng() * 30;
      const h = 2 + rng() * 30;
      const r = gaussianRadius(h, w, 0.7);
      const box = [0, 0, w, h];
      // the three cases of the derivation: both corners inward/outward, one shifted
      expect(iou(box, [r, r, w + r, h + r])).toBeGreaterThanOrEqual(0.7 - 1e-6);
      expect(iou(box, [r, r, w - r, h - r])).toBeGreaterThanOrEqual(0.7 - 1e-6);
      expect(iou(box, [-r, -r, w + r, h + r])).toBeGreaterThanOrEqual(0.7 - 1e-6);
      // and it is the largest such radius: one of the cases is tight
      const tight = Math.min(
        iou(box, [r, r, w + r, h + r]),
        iou(box, [r, r, w - r, h - r]),
        iou(box, [-r, -r, w + r, h + r]),
      );
      expect(tight).toBeCloseTo(0.7, 6);
    }
  });

  it('puts a peak of exactly 1 at each object centre cell on its class channel', () => {
    const ds = createSyntheticDataset({ split: 'val', size: 3, imageSize: 64 });
    const samples = [0, 1, 2].map((i) => ds.get(i));
    const t = encodeTargets(samples, 64, 3, 4);
    expect(t.shape).toEqual([3, 16, 16, 3]);
    let n = 0;
    samples.forEach((s, b) => {
      for (let j = 0; j < s.classes.length; j++, n++) {
        const cx = Math.floor((s.boxes[j * 4] + s.boxes[j * 4 + 2]) / 8);
        const cy = Math.floor((s.boxes[j * 4 + 1] + s.boxes[j * 4 + 3]) / 8);
        expect(Array.from(t.centers.subarray(n * 3, n * 3 + 3))).toEqual([b, cy, cx]);
        expect(t.heatmap[((b * 16 + cy) * 16 + cx) * 3 + s.classes[j]]).toBe(1);
      }
    });
    expect(t.count).toBe(n);
    for (const v of t.heatmap) expect(v >= 0 && v <= 1).toBe(true);
  });
});

describe('decode', () => {
  it('finds the peak and its box, suppresses duplicates', () => {
    const hm = new Float32Array(8 * 8 * 2).fill(-10);
    hm[(3 * 8 + 5) * 2 + 1] = 4; // class 1 at row 3, col 5
    const reg = new Float32Array(8 * 8 * 4);
    const o = (3 * 8 + 5) * 4;
    reg.set([Math.log(2), 0, 0, 0], o); // w = 32, h = 16, offsets 0.5
    const hmT = tf.tensor4d(hm, [1, 8, 8, 2]);
    const regT = tf.tensor4d(reg, [1, 8, 8, 4]);
    const dets = decodeDetections(hmT, regT, { scoreThreshold: 0.5 });
    tf.dispose([hmT, regT]);
    expect(dets[0]).toHaveLength(1);
    const d = dets[0][0];
    expect(d.classId).toBe(1);
    expect(d.score).toBeCloseTo(1 / (1 + Math.exp(-4)), 5);
    expect(d.box.map((v) => Math.round(v * 1000) / 1000)).toEqual([6, 6, 38, 22]);
    const a = { box: [0, 0, 10, 10] as [number, number, number, number], classId: 0, score: 0.9 };
    const b = { box: [1, 1, 11, 11] as [number, number, number, number], classId: 0, score: 0.8 };
    const c = { ...b, classId: 1 };
    expect(nms([b, a, c], 0.5)).toEqual([a, c]);
  });
});

describe('tensor memory', () => {
  it('loss, gradients and decoding do not leak tensors', () => {
    const model = createDetector({ inputSize: 32, numClasses: 3, widths: [4, 4, 8], headWidth: 4 });
    const ds = createSyntheticDataset({ split: 'train', size: 2, imageSize: 32 });
    const samples = [ds.get(0), ds.get(1)];
    const targets = encodeTargets(samples, 32, 3, 4);
    const x = imagesToTensor(
      samples.map((s) => s.image),
      32,
    );
    const before = tf.memory().numTensors;
    const r = detectionLoss(model, x, targets, { heatmap: 1, box: 2 });
    expect(Number.isFinite(r.total.dataSync()[0])).toBe(true);
    tf.dispose([r.total, r.terms]);
    const g = tf.variableGrads(
      () => detectionLoss(model, x, targets, { heatmap: 1, box: 1 }).total,
      model.variables,
    );
    tf.dispose([g.value, ...Object.values(g.grads)]);
    const out = model.apply(x);
    decodeDetections(out.heatmap, out.reg);
    tf.dispose([out.heatmap, out.reg]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});
