/**
 * `burnin export` as a function: a checkpoint to a standard tfjs model folder (model.json +
 * shards, labels.json) with the offline detection page, written all or nothing.
 */
import { checkpointFile } from '../commands/predict.js';
import { validateConfig } from '../config.js';
import { DECODE_DEFAULTS } from '../model/decode.js';
import { CheckpointError, readCheckpoint } from '../train/checkpoint.js';
import { type CheckpointMeta, modelFromConfig, restoreCheckpoint } from '../train/train.js';
import { pageAssets } from './assets.js';
import { type ExportAsset, ExportWriteError, outProblem, writeExportFolder } from './folder.js';
import { type ModelFormat, makeLabels } from './labels.js';
import { type ExportFile, modelFiles } from './model-files.js';
import type { Quantization } from './weights.js';

/** Options of {@link exportCheckpoint}. */
export interface ExportOptions {
  /** A run folder (its checkpoints/latest.ckpt) or a .ckpt file. */
  checkpoint: string;
  /** The export folder to create (or an export / empty folder to replace). */
  out: string;
  format?: ModelFormat;
  quantization?: Quantization;
  /** The page's default minimum score, in [0, 1] (default 0.3, as predict). */
  minScore?: number;
  /** The page files to copy (default: the built page and the tfjs builds). */
  assets?: (format: ModelFormat) => ExportAsset[];
}

/** What {@link exportCheckpoint} wrote. */
export interface ExportResult {
  out: string;
  checkpoint: string;
  step: number;
  files: string[];
  /** Bytes of the weight shards. */
  weightBytes: number;
}

/**
 * Exports a checkpoint. Checks `out` first (an existing folder must be an export or empty),
 * then reads and verifies the checkpoint (format 2 with its SHA-256, or format 1; errors name
 * the file), builds every file in memory and writes the folder at once.
 */
export async function exportCheckpoint(o: ExportOptions): Promise<ExportResult> {
  const format = o.format ?? 'graph';
  const quantization = o.quantization ?? 'float32';
  const problem = outProblem(o.out);
  if (problem) throw new ExportWriteError(`--out ${o.out} ${problem}`);
  const file = checkpointFile(o.checkpoint);
  const meta = readCheckpoint<CheckpointMeta>(file).meta;
  if (meta.format !== 'burnin-centernet')
    throw new CheckpointError(
      `checkpoint ${file} holds ${JSON.stringify(meta.format)}, not a burnin-centernet detector; it cannot be exported`,
    );
  const cfg = validateConfig(meta.config);
  const model = modelFromConfig(cfg, meta.classNames.length);
  let files: ExportFile[];
  try {
    await restoreCheckpoint(file, model);
    files = await modelFiles(model, format, quantization);
  } finally {
    model.dispose();
  }
  const labels = makeLabels({
    modelFormat: format,
    quantization,
    classNames: meta.classNames,
    inputSize: cfg.data.imageSize,
    decode: { ...DECODE_DEFAULTS },
    minScore: o.minScore ?? 0.3,
    source: { checkpoint: file, step: meta.step },
  });
  files.push({ name: 'labels.json', bytes: Buffer.from(`${JSON.stringify(labels, null, 2)}\n`) });
  const assets = (o.assets ?? pageAssets)(format);
  writeExportFolder(o.out, files, assets);
  return {
    out: o.out,
    checkpoint: file,
    step: meta.step,
    files: [...files.map((f) => f.name), ...assets.map((a) => a.name)].sort(),
    weightBytes: files
      .filter((f) => f.name.endsWith('.bin'))
      .reduce((a, f) => a + f.bytes.length, 0),
  };
}
