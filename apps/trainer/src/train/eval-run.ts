import { appendMetric } from '../run/metrics.js';
import type { TrainContext } from './context.js';
import { evaluateDetectorAsync } from './evaluate.js';
import { saveCheckpoint } from './save.js';

/**
 * Evaluates the model on the validation set at `ctx.state.step`: appends the `eval` line to
 * metrics.jsonl, shows AP and AP50, and on a new best AP updates `state.best` and saves
 * best.ckpt. Returns false, with nothing written, when `ctx.signal` stopped it (a resumed run
 * repeats it).
 */
export async function evaluateRun(ctx: TrainContext): Promise<boolean> {
  const { state, cfg } = ctx;
  const B = cfg.train.batchSize;
  const r = await evaluateDetectorAsync(ctx.model, ctx.datasets.val, {
    batchSize: Math.max(B, 8),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (!r) return false;
  const step = state.step;
  state.lastEval = { step, stats: r.stats };
  appendMetric(ctx.files.metrics, {
    type: 'eval',
    step,
    epoch: Math.floor((step * B) / ctx.datasets.train.size),
    stats: r.stats,
  });
  ctx.progress.note(`eval step ${step}: AP ${r.stats[0].toFixed(3)} AP50 ${r.stats[1].toFixed(3)}`);
  if (!state.best || r.stats[0] > state.best.ap) {
    state.best = { ap: r.stats[0], step };
    state.bestStats = r.stats;
    await saveCheckpoint(ctx, ctx.files.best);
  }
  return true;
}
