import { formatCocoSummary } from '@burnin/metrics';
import { parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import { validateConfig } from '../config.js';
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

/** `burnin eval --checkpoint`: COCO stats of a checkpoint on its run's validation set. */
export async function runEvalCheckpointCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    strings: ['checkpoint', 'backend'],
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
  const model = modelFromConfig(cfg, meta.classNames.length);
  try {
    await restoreCheckpoint(file, model);
    const r = evaluateDetector(model, val);
    if (flags.json) console.log(JSON.stringify({ step: meta.step, stats: r.stats }));
    else {
      console.log(`checkpoint ${file} (step ${meta.step}), ${val.size} validation images`);
      console.log(formatCocoSummary(r.stats));
    }
    return 0;
  } finally {
    model.dispose();
  }
}
