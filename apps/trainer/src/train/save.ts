import { writeCheckpoint } from './checkpoint.js';
import { checkpointMeta } from './checkpoint-meta.js';
import type { TrainContext } from './context.js';
import { checkpointTensors, nonFiniteTensors } from './model-state.js';

/**
 * Saves the model and optimizer at `ctx.state.step` to `file` (atomically) unless a value is
 * not finite: then nothing is written (the previous file stays) and the names of the bad
 * tensors are returned; [] when it was saved. Saving latest.ckpt sets `state.savedStep`.
 */
export async function saveCheckpoint(ctx: TrainContext, file: string): Promise<string[]> {
  // the workers' optimizer slots when the update is sharded over the threads
  await ctx.stepper.syncOptimizer();
  const tensors = await checkpointTensors(ctx.model, ctx.optimizer);
  const bad = nonFiniteTensors(tensors);
  if (bad.length) return bad;
  const { state } = ctx;
  const meta = checkpointMeta(state.step, {
    config: ctx.cfg,
    classNames: ctx.classNames,
    trainSize: ctx.datasets.train.size,
    best: state.best,
    modelVariables: ctx.model.variables.map((v) => v.name),
    threads: ctx.threads,
    time: ctx.clock.elapsed(),
  });
  writeCheckpoint(file, { meta, tensors });
  if (file === ctx.files.latest) state.savedStep = state.step;
  return [];
}
