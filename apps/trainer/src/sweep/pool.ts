import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TrainerError } from '../errors.js';

/** The built cell entry: next to the bundle (dist/sweep-cell.js), or dist/ from src/sweep. */
export function cellScript(): string {
  const candidates = [
    new URL('./sweep-cell.js', import.meta.url),
    new URL('../../dist/sweep-cell.js', import.meta.url),
  ];
  for (const u of candidates) if (existsSync(fileURLToPath(u))) return fileURLToPath(u);
  throw new TrainerError(
    `sweep cell script not found (${candidates.map((u) => fileURLToPath(u)).join(', ')}); build the trainer: pnpm --filter @burnin/trainer build`,
  );
}

/** One child process to run: `burnin train` arguments, and the log file of its output. */
export interface CellTask {
  id: string;
  /** Arguments of `burnin train` (`--config`, `--out`, ...). */
  args: string[];
  /** File the child's stdout and stderr are appended to. */
  logFile: string;
}

/** How a cell's process ended. */
export interface CellExit {
  /** Exit code (0 done, 1 error, 3 diverged, 129/130/143 stopped), null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
  /** Wall time of this process, seconds. */
  wallSec: number;
}

/** Options of {@link runPool}. */
export interface PoolOptions {
  /** Most children at once (>= 1). */
  jobs: number;
  /** Aborting starts no further task and sends SIGTERM to the running ones (they save). */
  signal?: AbortSignal;
  onStart?: (task: CellTask, pid: number) => void;
  onExit?: (task: CellTask, exit: CellExit) => void;
}

/**
 * Runs `tasks` in child processes of the cell entry, at most `jobs` at once, in order;
 * resolves when every started child has exited. Each child has an IPC channel and its own
 * process group: a terminal's Ctrl-C reaches only the sweep, which passes one SIGTERM on, and
 * a child whose channel disconnects (the sweep died, even by SIGKILL) saves and exits.
 */
export function runPool(tasks: readonly CellTask[], o: PoolOptions): Promise<void> {
  const script = cellScript();
  const running = new Map<number, ChildProcess>();
  let next = 0;
  return new Promise((resolve, reject) => {
    const stopAll = () => {
      for (const c of running.values()) c.kill('SIGTERM');
    };
    o.signal?.addEventListener('abort', stopAll, { once: true });
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      o.signal?.removeEventListener('abort', stopAll);
      resolve();
    };
    const startMore = () => {
      while (running.size < o.jobs && next < tasks.length && !o.signal?.aborted) {
        const task = tasks[next++];
        let fd: number;
        try {
          fd = openSync(task.logFile, 'a');
        } catch (e) {
          o.signal?.removeEventListener('abort', stopAll);
          stopAll();
          reject(e);
          return;
        }
        const t0 = performance.now();
        const child = fork(script, task.args, {
          stdio: ['ignore', fd, fd, 'ipc'],
          detached: true,
          env: { ...process.env, FORCE_COLOR: '0' },
        });
        closeSync(fd);
        const pid = child.pid ?? -1;
        running.set(pid, child);
        o.onStart?.(task, pid);
        child.on('error', () => {}); // reported through 'exit'
        child.on('exit', (code, signal) => {
          running.delete(pid);
          o.onExit?.(task, { code, signal, pid, wallSec: (performance.now() - t0) / 1000 });
          startMore();
          if (running.size === 0 && (next >= tasks.length || o.signal?.aborted)) done();
        });
      }
      if (running.size === 0 && (next >= tasks.length || o.signal?.aborted)) done();
    };
    startMore();
  });
}
