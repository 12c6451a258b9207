/**
 * A data-loader thread for data-parallel training (as PyTorch's DataLoader workers): it
 * builds the run's training set itself and prepares batch `step + 1` while the compute
 * threads run step `step`, so no compute thread spends time on data. A batch is a pure
 * function of (seed, step), so where it is made changes nothing in the run's numbers. Any
 * failure of the thread (it cannot start, a sample fails to load) is not reported from there:
 * that batch and every later one are made on the calling thread, which raises the genuine
 * error of a bad sample itself.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import type { PreparedBatch } from './prepared-batch.js';

/** `workerData` of the loader thread. */
export interface LoaderInit {
  config: TrainConfig;
  numClasses: number;
  threads: number;
}

/** Request / reply of the loader thread. */
export type LoaderRequest = { step: number } | { stop: true };
export type LoaderReply =
  | { ready: true }
  | { step: number; batch: PreparedBatch }
  | { step: number; error: string };

/** Batches in step order, made ahead on a loader thread. */
export interface BatchLoader {
  /** Batch `step` (for step s it asks for s + 1 at once, while s + 1 < `total`). */
  get(step: number): Promise<PreparedBatch>;
  /** Whether batches still come from the loader thread (false after a failure). */
  readonly active: boolean;
  /** Resolves true once the thread has its data, false if it failed first (or there is none). */
  whenReady(): Promise<boolean>;
  /** Stops the thread (idempotent). */
  dispose(): Promise<void>;
}

let liveLoaders = 0;
/** Loader threads started by this module that have not exited yet. */
export function liveLoaderCount(): number {
  return liveLoaders;
}

function loaderScript(): URL | null {
  for (const u of [
    new URL('./loader.js', import.meta.url),
    new URL('../../dist/loader.js', import.meta.url),
  ]) {
    if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
  }
  return null;
}

/**
 * Starts a loader thread for `total` steps; `prepare(step)` makes a batch on the calling
 * thread (used until the thread is ready, and for good after any failure).
 */
export function createBatchLoader(
  init: LoaderInit,
  total: number,
  prepare: (step: number) => PreparedBatch,
): BatchLoader {
  const script = loaderScript();
  let worker: Worker | null = null;
  let failed = script === null;
  let ready = false;
  const pending = new Map<
    number,
    { promise: Promise<PreparedBatch | null>; resolve: (b: PreparedBatch | null) => void }
  >();
  let settle: (ok: boolean) => void = () => {};
  const readyPromise = new Promise<boolean>((r) => {
    settle = r;
  });
  if (failed) settle(false);
  const fail = () => {
    failed = true;
    settle(false);
    for (const p of pending.values()) p.resolve(null);
    pending.clear();
  };
  if (script) {
    worker = new Worker(script, { workerData: init });
    liveLoaders++;
    worker.on('message', (m: LoaderReply) => {
      if ('ready' in m) {
        ready = true;
        settle(true);
      } else if ('batch' in m) {
        const p = pending.get(m.step);
        pending.delete(m.step);
        p?.resolve(m.batch);
      } else fail();
    });
    worker.on('error', fail);
    worker.on('exit', () => {
      liveLoaders--;
      worker = null;
      fail();
    });
  }
  const request = (step: number) => {
    if (failed || !worker || step >= total || pending.has(step)) return;
    let resolve!: (b: PreparedBatch | null) => void;
    const promise = new Promise<PreparedBatch | null>((r) => {
      resolve = r;
    });
    pending.set(step, { promise, resolve });
    worker.postMessage({ step } satisfies LoaderRequest);
  };
  return {
    get active() {
      return !failed;
    },
    whenReady: () => readyPromise,
    async get(step) {
      let batch: PreparedBatch | null = null;
      const p = pending.get(step);
      if (p) batch = await p.promise;
      else if (ready && !failed) {
        request(step);
        batch = (await pending.get(step)?.promise) ?? null;
      }
      // ask for the next batch before returning this one
      if (ready) request(step + 1);
      return batch ?? prepare(step);
    },
    async dispose() {
      failed = true;
      settle(false);
      const w = worker;
      worker = null;
      for (const q of pending.values()) q.resolve(null);
      pending.clear();
      if (w) await w.terminate();
    },
  };
}
