import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Worker as NodeWorker, WorkerOptions } from 'node:worker_threads';
import { env, setBackend } from '@tensorflow/tfjs-core';

/** The part of `@tensorflow/tfjs-backend-wasm`'s exports used here. */
export interface WasmThreadsApi {
  setThreadsCount(numThreads: number): void;
  getThreadsCount(): number;
}

export type ThreadedInit = { ok: true } | { ok: false; reason: string };

const FLAG = 'WASM_HAS_MULTITHREAD_SUPPORT';
/** How long the threaded build may take to start before we give up on it. */
const INIT_TIMEOUT_MS = 30_000;

export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** The core count `threads: 'auto'` resolves to. */
export function availableCores(): number {
  if (isNode()) {
    const count =
      typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, count);
  }
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof hc === 'number' && hc >= 1 ? Math.floor(hc) : 1;
}

/** `getThreadsCount()` of an initialised wasm backend, or null before it is initialised. */
export function initializedThreads(api: WasmThreadsApi): number | null {
  try {
    return api.getThreadsCount();
  } catch {
    return null;
  }
}

/** A require that resolves from this file (both the ESM and the CJS build). */
function localRequire(): NodeJS.Require {
  // (esbuild replaces `require` with a stub without `resolve` in the ESM build.)
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0].trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** The package's own pthread worker script and the glue the workers import. */
function threadedBuildFiles(req: NodeJS.Require): { workerSource: string; mainScript: string } {
  const dir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const workerModule = req(path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'));
  const contents = (workerModule as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof contents !== 'string') {
    throw new Error('tfjs-backend-wasm-threaded-simd.worker.js exports no wasmWorkerContents');
  }
  // A template string: its "\n" escapes became newlines, some inside string literals. tfjs
  // re-escapes them the same way before it makes its Blob.
  const workerSource = contents.replace(/\n/g, '\\n');
  const mainScript = path.join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  return { workerSource, mainScript };
}

/**
 * Starts tfjs-backend-wasm's threaded SIMD build in Node with `threads` threads (tfjs turns it
 * off in Node). While `setBackend('wasm')` runs, and only then:
 *
 * - `globalThis.Worker` (which emscripten's glue uses and assigns to `worker_threads.Worker`)
 *   is a `worker_threads.Worker` subclass that turns tfjs' `blob:` worker URL into the package's
 *   own worker script (`eval: true`), replaces the main-script `Blob` it posts with the path of
 *   `wasm-out/tfjs-backend-wasm-threaded-simd.js`, and keeps the workers `unref()`ed (emscripten
 *   `ref()`s a worker while its pthread runs, and XNNPACK's pool threads run forever);
 * - `os.cpus()` reports twice `threads` cores: tfjs' backend.cc sizes the pool at
 *   `min(threads, emscripten_num_logical_cores() / 2)` and the glue's
 *   `emscripten_num_logical_cores()` is `os.cpus().length` in Node;
 * - an interval keeps the event loop alive (loaded workers are unref()ed).
 *
 * Everything is restored before this returns. On failure (a worker that cannot start or errors,
 * a rejected init, a 30 s timeout) the workers are terminated, the flag and thread count are
 * reset and `{ ok: false }` says why; the caller then starts the single-threaded build.
 */
export async function startThreadedWasm(
  api: WasmThreadsApi,
  threads: number,
): Promise<ThreadedInit> {
  let files: { workerSource: string; mainScript: string };
  let BaseWorker: typeof NodeWorker;
  const req = localRequire();
  try {
    files = threadedBuildFiles(req);
    BaseWorker = (req('node:worker_threads') as typeof import('node:worker_threads')).Worker;
  } catch (error) {
    return { ok: false, reason: `threaded build not found (${message(error)})` };
  }

  const workers: NodeWorker[] = [];
  let initializing = true;
  let fail: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => {
    fail = resolve;
  });

  class PthreadWorker extends BaseWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const href = String(url);
      try {
        if (href.startsWith('blob:')) {
          URL.revokeObjectURL(href);
          super(files.workerSource, { ...options, eval: true });
        } else {
          super(url, options);
        }
      } catch (error) {
        fail(`a pthread worker could not be created (${message(error)})`);
        throw error;
      }
      this.unref();
      workers.push(this);
    }

    override postMessage(value: unknown, transferList?: readonly unknown[]): void {
      const data = value as { cmd?: unknown; urlOrBlob?: unknown } | null;
      const patched =
        data?.cmd === 'load' && typeof data.urlOrBlob !== 'string'
          ? { ...data, urlOrBlob: files.mainScript }
          : value;
      // biome-ignore lint/suspicious/noExplicitAny: worker_threads' transfer-list type
      super.postMessage(patched, transferList as any);
    }

    /** Never hold the process open: see above. */
    override ref(): void {}

    // biome-ignore lint/suspicious/noExplicitAny: EventEmitter listener signature
    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      if (event !== 'error') return super.on(event, listener);
      // emscripten's handler rethrows, which would crash the process during init; report it
      // as a failed start instead (after init, errors reach emscripten as before).
      return super.on(event, (error: unknown) => {
        if (initializing) fail(`a pthread worker failed (${message(error)})`);
        else listener(error);
      });
    }
  }

  const hadWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const realCpus = os.cpus;
  const keepAlive = setInterval(() => {}, 1000);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const isTest = env().getBool('IS_TEST');
  try {
    Object.defineProperty(globalThis, 'Worker', {
      configurable: true,
      enumerable: false,
      get: () => PthreadWorker,
      set: () => {}, // the glue assigns worker_threads.Worker; keep ours
    });
    os.cpus = () => {
      const real = realCpus.call(os);
      const filler = real[0] ?? {
        model: '',
        speed: 0,
        times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 },
      };
      return Array.from(
        { length: 2 * threads },
        (_, i) => real[i % Math.max(1, real.length)] ?? filler,
      );
    };
    env().set(FLAG, true);
    api.setThreadsCount(threads);
    // tfjs logs a failed backend init with console.warn; we report it in our one line instead.
    env().set('IS_TEST', true);
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`no start within ${INIT_TIMEOUT_MS / 1000} s`),
        INIT_TIMEOUT_MS,
      );
    });
    const started = setBackend('wasm').then(
      (ok) => (ok ? null : 'its initialization failed'),
      (error: unknown) => `its initialization failed (${message(error)})`,
    );
    const problem = await Promise.race([started, failed, timeout]);
    if (problem == null) return { ok: true };
    for (const worker of workers) void worker.terminate();
    env().set(FLAG, false);
    api.setThreadsCount(-1);
    return { ok: false, reason: `the threaded build failed to start: ${problem}` };
  } catch (error) {
    for (const worker of workers) void worker.terminate();
    env().set(FLAG, false);
    api.setThreadsCount(-1);
    return { ok: false, reason: `the threaded build failed to start: ${message(error)}` };
  } finally {
    initializing = false;
    env().set('IS_TEST', isTest);
    clearTimeout(timer);
    clearInterval(keepAlive);
    os.cpus = realCpus;
    if (hadWorker) Object.defineProperty(globalThis, 'Worker', hadWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}
