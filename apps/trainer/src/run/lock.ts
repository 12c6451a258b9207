import { linkSync, readFileSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileError, type RunFileError, RunLockedError } from './errors.js';
import { writeFileAtomic } from './fs.js';

/** Name of the lock file inside a run folder. */
export const LOCK_FILE = 'run.lock';

/** Contents of a lock file. */
export interface LockInfo {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
}

/** A held run lock. */
export interface RunLock {
  readonly file: string;
  /** Removes the lock file (idempotent). */
  release(): void;
}

/** Lock files this process holds (a second trainer in the same process is refused too). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return Number.isInteger(j.pid) && typeof j.host === 'string' ? j : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock of run folder `dir`: creates `dir/run.lock` holding pid, host and start
 * time, atomically (written to a temp file, then hard-linked into place, which fails when a
 * lock exists). A lock of a live process, or of another host, is refused with
 * {@link RunLockedError}; a lock whose process is gone (same host) is stale: it is taken
 * over with one `log` line. The lock is released by `release()` and at process exit.
 */
export function acquireLock(dir: string, log: (line: string) => void): RunLock {
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileAtomic(tmp, [`${JSON.stringify(info)}\n`]);
  } catch (e) {
    throw fileError('create the lock file', file, {
      code: (e as RunFileError).code,
      message: (e as Error).message,
    });
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2)
          throw fileError('create the lock file', file, e);
      }
      const held = readLock(file);
      if (held && held.host !== info.host)
        throw new RunLockedError(
          `${dir} is locked by process ${held.pid} on host ${held.host} (since ${held.startedAt}, ${file}); wait for that trainer to finish, or delete ${file} if none is running`,
        );
      if (held && (heldHere.has(resolve(file)) || (held.pid !== process.pid && alive(held.pid))))
        throw new RunLockedError(
          `${dir} is in use by another trainer (process ${held.pid}, since ${held.startedAt}; lock ${file}); wait for it to finish or use another --out`,
        );
      log(
        `lock: taking over the stale lock ${file}${held ? ` of process ${held.pid} (no longer running)` : ' (unreadable)'}`,
      );
      try {
        unlinkSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
          throw fileError('remove the stale lock file', file, e);
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
  heldHere.add(resolve(file));
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(resolve(file));
    process.off('exit', release);
    const cur = readLock(file);
    if (cur && cur.pid === info.pid && cur.startedAt === info.startedAt) {
      try {
        unlinkSync(file);
      } catch {}
    }
  };
  process.on('exit', release);
  return { file, release };
}
