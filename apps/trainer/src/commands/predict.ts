import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberFlag, parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import { validateConfig } from '../config.js';
import { OutputFileError } from '../io/errors.js';
import { decodeImageToInput, decodeOriginal, drawDetectionsRgb } from '../io/image.js';
import { toImageResults } from '../model/decode.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { predictBatch } from '../train/evaluate.js';
import { type CheckpointMeta, modelFromConfig, restoreCheckpoint } from '../train/train.js';
import { usageOf } from './table.js';

/** `burnin predict --help` (from the command table). */
export const PREDICT_USAGE = usageOf('predict');

/** Resolves a run folder or a .ckpt file to the checkpoint file. */
export function checkpointFile(p: string): string {
  return p.endsWith('.ckpt') ? p : join(p, 'checkpoints', 'latest.ckpt');
}

/** `burnin predict`: detections in original-image pixels, COCO results on stdout. */
export async function runPredictCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, {
    strings: ['checkpoint', 'o', 'score', 'backend'],
    booleans: ['json'],
    aliases: { output: 'o' },
  });
  if (!flags.checkpoint)
    throw new UsageError('predict needs --checkpoint DIR|FILE.ckpt', { showUsage: true });
  if (positionals.length !== 1)
    throw new UsageError(`predict needs one image path, got ${positionals.length}`, {
      showUsage: true,
    });
  const minScore = numberFlag(flags.score, 'score', 0.3, 0, 1);
  // the backend flag is checked (usage, exit 2) before any file is read (input, exit 1)
  await selectBackend(flags.backend as string | undefined, () => {});
  const file = checkpointFile(flags.checkpoint as string);
  const meta = readCheckpoint<CheckpointMeta>(file).meta;
  const cfg = validateConfig(meta.config);
  const model = modelFromConfig(cfg, meta.classNames.length);
  try {
    await restoreCheckpoint(file, model);
    const size = cfg.data.imageSize;
    const input = await decodeImageToInput(positionals[0], size);
    const dets = predictBatch(model, [input.image])[0];
    const results = toImageResults(dets, input, meta.classNames, minScore);
    if (flags.o) {
      // on the user's image at its own size, at the coordinates the results print
      const png = await drawDetectionsRgb(
        await decodeOriginal(positionals[0]),
        results.flatMap((r) => [
          r.bbox[0],
          r.bbox[1],
          r.bbox[0] + r.bbox[2],
          r.bbox[1] + r.bbox[3],
        ]),
        results.map((r) => `${r.category} ${r.score.toFixed(2)}`),
      );
      try {
        writeFileSync(flags.o as string, png);
      } catch (e) {
        throw new OutputFileError(flags.o as string, (e as Error).message);
      }
    }
    if (flags.json) console.log(JSON.stringify(results));
    else {
      for (const r of results)
        console.log(`${r.category.padEnd(10)} ${r.score.toFixed(3)}  [${r.bbox.join(', ')}]`);
      if (flags.o) console.log(`wrote ${flags.o}`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}
