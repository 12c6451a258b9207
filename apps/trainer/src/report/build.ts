import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchedule, validateConfig } from '../config.js';
import { drawDetections } from '../io/image.js';
import { evaluateDetector } from '../train/evaluate.js';
import { loadDatasets, modelFromConfig, readMetrics, restoreCheckpoint } from '../train/train.js';
import { type ReportImage, readJsonIfExists, renderReport, writeReport } from './report.js';

/** Most learning-rate samples drawn. */
const LR_POINTS = 2000;
const GT_COLOR = '#00c000';
const PRED_COLORS = ['#e6194b', '#4363d8', '#f58231', '#911eb4', '#f032e6'];

/**
 * Builds `report.html` for a run folder from its config, metrics, summary and latest
 * checkpoint (validation images get true and predicted boxes). Returns the file path.
 */
export async function buildRunReport(outDir: string, numImages = 8): Promise<string> {
  const cfg = validateConfig(readJsonIfExists(join(outDir, 'config.resolved.json')));
  const metrics = readMetrics(join(outDir, 'metrics.jsonl'));
  const summary = (readJsonIfExists(join(outDir, 'summary.json')) ?? {}) as Record<string, unknown>;
  const schedule = buildSchedule(cfg);
  // at most LR_POINTS samples (a chart cannot show more; runs may have millions of steps)
  const learningRates: [number, number][] = [];
  const stride = Math.max(1, Math.ceil(cfg.train.steps / LR_POINTS));
  for (let i = 0; i < cfg.train.steps; i += stride) learningRates.push([i, schedule(i)]);
  const last = cfg.train.steps - 1;
  if (last % stride !== 0) learningRates.push([last, schedule(last)]);
  const { val } = await loadDatasets(cfg);
  const model = modelFromConfig(cfg, val.classNames.length);
  const images: ReportImage[] = [];
  const latest = join(outDir, 'checkpoints', 'latest.ckpt');
  try {
    // a run that diverged before its first checkpoint has no images to show
    if (existsSync(latest)) await restoreCheckpoint(latest, model);
    const n = existsSync(latest) ? Math.min(numImages, val.size) : 0;
    const sub = { ...val, size: n, get: (i: number) => val.get(i) };
    const r = evaluateDetector(model, sub, { keepPredictions: n });
    for (let i = 0; i < n; i++) {
      const s = val.get(i);
      const dets = r.predictions[i].filter((d) => d.score >= 0.3);
      const boxes: number[] = [...s.boxes];
      const labels: string[] = Array.from(s.classes, () => '');
      const colors: string[] = Array.from(s.classes, () => GT_COLOR);
      for (const d of dets) {
        boxes.push(...d.box);
        labels.push(`${val.classNames[d.classId]} ${d.score.toFixed(2)}`);
        colors.push(PRED_COLORS[d.classId % PRED_COLORS.length]);
      }
      const png = await drawDetections(s.image, val.imageSize, boxes, labels, colors);
      images.push({
        png,
        caption: `val #${s.imageId}: ${s.classes.length} true, ${dets.length} predicted`,
      });
    }
  } finally {
    model.dispose();
  }
  const html = renderReport({
    title: `burnin run ${outDir}`,
    metrics,
    learningRates,
    summary,
    config: cfg,
    images,
  });
  return writeReport(outDir, html);
}
