import type { RunFiles } from './files.js';
import { makeDir, removeStaleTemps } from './fs.js';
import { acquireLock, type RunLock } from './lock.js';

/**
 * Opens a run folder for writing: creates it and `checkpoints/`, takes its lock (see
 * acquireLock), then removes the temp files an interrupted write left (one `log` line each).
 * The caller releases the lock.
 */
export function openRunFolder(files: RunFiles, log: (line: string) => void): RunLock {
  makeDir(files.checkpoints);
  const lock = acquireLock(files.dir, log);
  try {
    for (const f of removeStaleTemps([files.dir, files.checkpoints]))
      log(`removed the stale temp file ${f} of an interrupted write`);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}
