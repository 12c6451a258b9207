import { existsSync, statSync } from 'node:fs';
import { ConfigError, type TrainConfig } from '../config.js';
import type { DetectionDataset } from '../data/types.js';
import { TrainerError } from '../errors.js';
import { fileError, RunExistsError } from '../run/errors.js';
import { type RunFiles, runMarkersIn } from '../run/files.js';
import { readRunJson } from '../run/fs.js';
import { sameConfig } from './checkpoint-meta.js';

/** Error for an unusable dataset (e.g. empty). */
export class DatasetError extends TrainerError {
  override name = 'DatasetError';
}

/** Throws DatasetError when a dataset is empty or its image size is not `data.imageSize`. */
export function checkDatasets(
  ds: { train: DetectionDataset; val: DetectionDataset },
  cfg: TrainConfig,
): void {
  if (ds.train.size === 0) throw new DatasetError(`training dataset ${ds.train.name} is empty`);
  if (ds.val.size === 0) throw new DatasetError(`validation dataset ${ds.val.name} is empty`);
  if (ds.train.imageSize !== cfg.data.imageSize)
    throw new DatasetError(
      `dataset image size ${ds.train.imageSize} differs from data.imageSize ${cfg.data.imageSize}`,
    );
}

/** Reads a run's config.resolved.json; errors name the file and what to do. */
function readResolvedConfig(file: string): unknown {
  return readRunJson(
    file,
    'restore it from the config the run was started with (the checkpoints keep a copy in their header) or start a fresh --out',
  );
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Refuses an unusable run folder before anything is created or written: a file in place of
 * the folder (RunFileError), a folder that holds a run without `resume` (RunExistsError),
 * `resume` without a run or with another config (ConfigError, field 'resume').
 */
export function checkRunFolder(files: RunFiles, cfg: TrainConfig, resume: boolean): void {
  const outDir = files.dir;
  if (existsSync(outDir) && !isDir(outDir))
    throw fileError('use', outDir, Object.assign(new Error(), { code: 'ENOTDIR' }));
  const markers = runMarkersIn(files);
  if (!resume && markers.length)
    throw new RunExistsError(
      `${outDir} already holds a run (${markers.join(', ')}); continue it with --resume, or pass a fresh --out`,
    );
  if (resume) {
    if (!existsSync(files.config))
      throw new ConfigError(
        `--resume: ${outDir} holds no run (${files.config} is missing); start it without --resume`,
        'resume',
      );
    if (!sameConfig(readResolvedConfig(files.config), cfg))
      throw new ConfigError(
        `--resume: the configuration differs from ${files.config}; use the same config/preset`,
        'resume',
      );
  }
}
