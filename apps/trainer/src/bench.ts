import { initBackend, registerTrainingKernels } from '@burnin/backend';
import { withSchedule } from '@burnin/tfjs-adapter';
import '@tensorflow/tfjs-backend-wasm';
import { defaultSchedule, PRESETS, resolveConfig } from './config.js';
import { OUTPUT_STRIDE } from './model/centernet.js';
import { detectionLoss, imagesToTensor } from './model/loss.js';
import { encodeTargets } from './model/targets.js';
import * as tf from './tf.js';
import { evaluateDetector } from './train/evaluate.js';
import { batchAt, datasetsFromConfig, modelFromConfig } from './train/train.js';

/**
 * Training throughput per available backend for a preset's model (default: `default`),
 * with the time split between data generation, target encoding, forward+backward+update
 * and the COCO evaluation. Usage: node dist/bench.js [preset] [steps]
 */
async function main(): Promise<void> {
  const preset = process.argv[2] ?? 'default';
  const steps = Number(process.argv[3] ?? 5);
  if (!PRESETS[preset]) throw new Error(`unknown preset ${preset}`);
  const cfg = resolveConfig({ preset });
  const B = cfg.train.batchSize;
  const rows: string[][] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      await initBackend(name, {
        log: () => {},
        loadTensorflow: () => import('@tensorflow/tfjs-node' as string),
      });
    } catch {
      rows.push([name, 'unavailable']);
      continue;
    }
    registerTrainingKernels();
    const ds = datasetsFromConfig(cfg);
    const model = modelFromConfig(cfg, ds.train.classNames.length);
    const opt = withSchedule(tf.train.adam(1e-3), defaultSchedule(100));
    let dataMs = 0;
    let encMs = 0;
    let stepMs = 0;
    let cpuUs = 0;
    const n = name === 'cpu' ? 1 : steps;
    for (let s = -1; s < n; s++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const samples = batchAt(ds.train, 0, (s + 1) * B, B, true);
      const t1 = performance.now();
      const targets = encodeTargets(samples, cfg.data.imageSize, 3, OUTPUT_STRIDE);
      const t2 = performance.now();
      const x = imagesToTensor(
        samples.map((q) => q.image),
        cfg.data.imageSize,
      );
      const cost = opt.minimize(
        () => detectionLoss(model, x, targets, cfg.train.lossWeights).total,
        true,
        model.variables,
      );
      cost?.dataSync();
      tf.dispose([x, cost as tf.Scalar]);
      const t3 = performance.now();
      if (s >= 0) {
        // step -1 is a warm-up
        dataMs += t1 - t0;
        encMs += t2 - t1;
        stepMs += t3 - t2;
        const c = process.cpuUsage(c0);
        cpuUs += c.user + c.system;
      }
    }
    const nEval = Math.min(ds.val.size, name === 'cpu' ? 8 : 32);
    const ev = evaluateDetector(model, { ...ds.val, size: nEval, get: (i) => ds.val.get(i) });
    const total = dataMs + encMs + stepMs;
    const pct = (v: number) => `${((100 * v) / total).toFixed(1)}%`;
    rows.push([
      name,
      ((n * B) / (total / 1000)).toFixed(1),
      (total / n).toFixed(0),
      (cpuUs / 1000 / n).toFixed(0),
      pct(dataMs),
      pct(encMs),
      pct(stepMs),
      (ev.timing.forwardMs / nEval).toFixed(1),
      `${ev.timing.metricsMs.toFixed(0)} (${nEval} img)`,
    ]);
    model.dispose();
    opt.dispose();
  }
  console.log(
    `preset ${preset}: input ${cfg.data.imageSize}px, batch ${B}, widths ${cfg.model.widths.join('/')}, head ${cfg.model.headWidth}`,
  );
  const head = [
    'backend',
    'train img/s',
    'ms/step',
    'CPU ms/step',
    'data gen',
    'targets',
    'fwd+bwd+update',
    'eval ms/img',
    'COCO eval ms',
  ];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  for (const r of all) console.log(r.map((c, i) => (c ?? '').padEnd(w[i])).join('  '));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
