import { join } from 'node:path';
import { formatCocoSummary } from '@burnin/metrics';
import { parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import { type TrainConfig, validateConfig } from '../config.js';
import { ExportLoadError, loadExport } from '../export/load.js';
import type { Detector } from '../model/centernet.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { evaluateDetector } from '../train/evaluate.js';
import {
  type CheckpointMeta,
  loadDatasets,
  modelFromConfig,
  restoreCheckpoint,
} from '../train/train.js';
import { checkpointFile } from './predict.js';
import { usageOf } from './table.js';

/** `burnin eval --help` (from the command table; both forms of eval). */
export const EVAL_CHECKPOINT_USAGE = usageOf('eval');

/**
 * An export folder's model (`burnin export`) as a {@link Detector} for the evaluation: its
 * labels.json must name the checkpoint's classes and input size.
 */
async function exportedDetector(
  dir: string,
  cfg: TrainConfig,
  classNames: string[],
): Promise<Detector> {
  const loaded = await loadExport(dir);
  const { labels } = loaded;
  if (
    labels.inputSize !== cfg.data.imageSize ||
    labels.classNames.join('\n') !== classNames.join('\n')
  ) {
    loaded.dispose();
    throw new ExportLoadError(
      `${join(dir, 'labels.json')}: input ${labels.inputSize} px, classes [${labels.classNames}] differ from the checkpoint's ${cfg.data.imageSize} px, [${classNames}]`,
    );
  }
  return {
    config: {
      inputSize: labels.inputSize,
      numClasses: classNames.length,
      widths: cfg.model.widths as [number, number, number],
      headWidth: cfg.model.headWidth,
    },
    variables: [],
    apply: loaded.apply,
    dispose: loaded.dispose,
  };
}

/** `burnin eval --checkpoint`: COCO stats of a checkpoint on its run's validation set. */
export async function runEvalCheckpointCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    strings: ['checkpoint', 'backend', 'model'],
    booleans: ['json'],
    maxPositionals: 0,
  });
  if (!flags.checkpoint)
    throw new UsageError('eval needs --checkpoint DIR|FILE.ckpt', { showUsage: true });
  // the backend flag is checked (usage, exit 2) before any file is read (input, exit 1)
  await selectBackend(flags.backend as string | undefined, () => {});
  const file = checkpointFile(flags.checkpoint as string);
  const meta = readCheckpoint<CheckpointMeta>(file).meta;
  const cfg = validateConfig(meta.config);
  const { val } = await loadDatasets(cfg);
  const model = flags.model
    ? await exportedDetector(flags.model as string, cfg, meta.classNames)
    : modelFromConfig(cfg, meta.classNames.length);
  try {
    if (!flags.model) await restoreCheckpoint(file, model);
    const r = evaluateDetector(model, val);
    if (flags.json)
      console.log(
        JSON.stringify({
          step: meta.step,
          stats: r.stats,
          ...(flags.model ? { model: flags.model } : {}),
        }),
      );
    else {
      const what = flags.model
        ? `export ${flags.model} of checkpoint ${file}`
        : `checkpoint ${file}`;
      console.log(`${what} (step ${meta.step}), ${val.size} validation images`);
      console.log(formatCocoSummary(r.stats));
    }
    return 0;
  } finally {
    model.dispose();
  }
}
