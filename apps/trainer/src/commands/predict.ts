import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import { validateConfig } from '../config.js';
import { decodeImageToInput, drawDetections } from '../io/image.js';
import { readCheckpoint } from '../train/checkpoint.js';
import { predictBatch } from '../train/evaluate.js';
import { type CheckpointMeta, modelFromConfig, restoreCheckpoint } from '../train/train.js';

export const PREDICT_USAGE =
  'Usage: burnin predict --checkpoint DIR image.png [-o out.png] [--json] [--score 0.3] [--backend B]';

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
  if (!flags.checkpoint || positionals.length !== 1) throw new UsageError(PREDICT_USAGE);
  const minScore = flags.score === undefined ? 0.3 : Number(flags.score);
  if (!(minScore >= 0 && minScore <= 1))
    throw new UsageError(`--score must be in [0, 1], got ${String(flags.score)}`);
  const file = checkpointFile(flags.checkpoint as string);
  const meta = readCheckpoint<CheckpointMeta>(file).meta;
  const cfg = validateConfig(meta.config);
  await selectBackend(flags.backend as string | undefined, () => {});
  const model = modelFromConfig(cfg, meta.classNames.length);
  try {
    await restoreCheckpoint(file, model);
    const size = cfg.data.imageSize;
    const input = await decodeImageToInput(positionals[0], size);
    const dets = predictBatch(model, [input.image])[0].filter((d) => d.score >= minScore);
    const results = dets.map((d) => {
      const x1 = (d.box[0] - input.padX) / input.scale;
      const y1 = (d.box[1] - input.padY) / input.scale;
      const x2 = (d.box[2] - input.padX) / input.scale;
      const y2 = (d.box[3] - input.padY) / input.scale;
      const cx1 = Math.max(0, Math.min(input.width, x1));
      const cy1 = Math.max(0, Math.min(input.height, y1));
      const cx2 = Math.max(0, Math.min(input.width, x2));
      const cy2 = Math.max(0, Math.min(input.height, y2));
      return {
        image_id: 0,
        category_id: d.classId + 1,
        category: meta.classNames[d.classId],
        bbox: [cx1, cy1, cx2 - cx1, cy2 - cy1].map((v) => Math.round(v * 100) / 100),
        score: Math.round(d.score * 1e4) / 1e4,
      };
    });
    if (flags.o) {
      const png = await drawDetections(
        input.image,
        size,
        dets.flatMap((d) => d.box),
        dets.map((d) => `${meta.classNames[d.classId]} ${d.score.toFixed(2)}`),
      );
      writeFileSync(flags.o as string, png);
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
