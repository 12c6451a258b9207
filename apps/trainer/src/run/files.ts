import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE } from './lock.js';

/** Names of a run folder's files, relative to the folder. */
export const RUN_FILE_NAMES = {
  /** The validated, fully defaulted config the run was started with. */
  config: 'config.resolved.json',
  /** One JSON line per log step (`type: 'train'`) and per evaluation (`type: 'eval'`). */
  metrics: 'metrics.jsonl',
  /** Outcome of the last segment of the run (status, steps, times, final/best stats). */
  summary: 'summary.json',
  checkpoints: 'checkpoints',
  /** The state to resume from (written every `checkpointEvery` steps and when stopped). */
  latest: join('checkpoints', 'latest.ckpt'),
  /** The state with the best validation AP so far. */
  best: join('checkpoints', 'best.ckpt'),
  /** Held by the trainer that writes the folder (see acquireLock). */
  lock: LOCK_FILE,
  /** The HTML report (see buildRunReport). */
  report: 'report.html',
  /** Written when the run diverges: the step, the bad term, the last good checkpoint. */
  diagnostic: 'diagnostic.json',
} as const;

/** Every file of one run folder, as paths under `dir`. */
export type RunFiles = { readonly dir: string } & {
  readonly [K in keyof typeof RUN_FILE_NAMES]: string;
};

/** The paths of the files of run folder `dir` (nothing is read or created). */
export function runFiles(dir: string): RunFiles {
  const out: Record<string, string> = { dir };
  for (const [k, name] of Object.entries(RUN_FILE_NAMES)) out[k] = join(dir, name);
  return out as RunFiles;
}

/**
 * Files that mark a folder as holding a run (an empty `checkpoints/` or a lone `run.lock`,
 * as a kill right after the start leaves them, do not).
 */
const RUN_MARKERS = ['config', 'metrics', 'summary', 'latest', 'best'] as const;

/** The marker files (names relative to the folder) that exist in `files.dir`; [] for none. */
export function runMarkersIn(files: RunFiles): string[] {
  return RUN_MARKERS.filter((k) => existsSync(files[k])).map((k) => RUN_FILE_NAMES[k]);
}
