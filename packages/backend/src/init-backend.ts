import { createRequire } from 'node:module';
import path from 'node:path';
import {
  env,
  findBackendFactory,
  getBackend,
  getKernelsForBackend,
  ready,
  removeBackend,
  setBackend,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidBackendOptionError } from './errors.js';
import { loadNativeConvKernels } from './native-loader.js';
import { type BackendPreference, checkPreference } from './preferences.js';
import { missingGradients } from './register-gradients.js';
import { registerTrainingKernels } from './register-training-kernels.js';
import {
  availableCores,
  initializedThreads,
  isNode,
  startThreadedWasm,
  type WasmThreadsApi,
} from './wasm-threads.js';

export type { BackendPreference };

/** How many threads the backend may use: `'auto'` = every core, or a count >= 1. */
export type ThreadsOption = 'auto' | number;

/** The backend that runs (`tf.getBackend()`), why it was chosen in one line, and its threads. */
export interface BackendChoice {
  name: string;
  reason: string;
  /**
   * Threads the backend computes with: for wasm the native convolutions' threads beside the
   * single-threaded build, else `getThreadsCount()`; 1 for cpu; for tfjs-node(-gpu) the core
   * count libtensorflow's thread pools default to.
   */
  threads: number;
}

export interface InitBackendOptions {
  /** Receives the one line that says which backend runs and why. Default: `console.info`. */
  log?: (line: string) => void;
  /**
   * Loads `@tensorflow/tfjs-node` (e.g. `() => import('@tensorflow/tfjs-node')` from the
   * application that depends on it). Default: resolve it from the current working directory.
   */
  loadTensorflow?: () => Promise<unknown>;
  /**
   * Loads `@tensorflow/tfjs-node-gpu` (e.g. `() => import('@tensorflow/tfjs-node-gpu')`).
   * Default: resolve it from the current working directory.
   */
  loadTensorflowGpu?: () => Promise<unknown>;
  /**
   * Threads for the wasm backend: `'auto'` (default) = `os.availableParallelism()` in Node
   * (`navigator.hardwareConcurrency` elsewhere), or an integer >= 1. In Node where the native
   * conv kernels load (x86-64 Linux), the single-threaded SIMD build runs with the native
   * convolutions on that many threads (at most 64; same bits on any count; a later call sets
   * the new count). Elsewhere, or with `BURNIN_NATIVE=0`, more than one uses
   * tfjs-backend-wasm's threaded SIMD build (XNNPACK's thread pool, at most 8 threads in tfjs
   * 4.22's build), which initialises once per process: a later call keeps the first count and
   * says so in its log line. 1 uses the single-threaded SIMD build.
   */
  threads?: ThreadsOption;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

type Attempt =
  | { ok: true; detail: string; threads: number }
  | { ok: false; reason: string; notInstalled?: boolean };

function plural(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}

/** Validates `options.threads` and resolves `'auto'` to the core count. */
function resolveThreads(threads: unknown): { count: number; explicit: boolean } {
  if (threads === undefined || threads === 'auto')
    return { count: availableCores(), explicit: false };
  if (typeof threads === 'number' && Number.isInteger(threads) && threads >= 1) {
    return { count: threads, explicit: true };
  }
  throw new InvalidBackendOptionError(
    'threads',
    threads,
    ['auto', 'an integer >= 1'],
    "'auto' or an integer >= 1 (wasm uses at most 8)",
  );
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0].trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function isModuleNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return firstLine(error).includes(`'${name}'`) || firstLine(error).includes(`"${name}"`);
}

function loadFromApp(name: string): () => Promise<unknown> {
  return () => {
    const requireFromApp = createRequire(path.join(process.cwd(), 'noop.js'));
    return Promise.resolve().then(() => requireFromApp(name));
  };
}

/** Removes whatever a failed tfjs-node load left behind: its backend factory and kernels. */
function removeTensorflowLeftovers(): void {
  if (findBackendFactory('tensorflow') != null) removeBackend('tensorflow');
  for (const kernel of getKernelsForBackend('tensorflow')) {
    unregisterKernel(kernel.kernelName, 'tensorflow');
  }
}

async function trySetBackend(name: string): Promise<boolean> {
  try {
    return await setBackend(name);
  } catch {
    return false;
  }
}

interface TensorflowPackage {
  /** npm name, for "not installed" detection. */
  pkg: string;
  /** Short name used in reasons. */
  short: string;
  detail: string;
}

const TENSORFLOW: TensorflowPackage = {
  pkg: TFJS_NODE,
  short: 'tfjs-node',
  detail: 'tfjs-node (libtensorflow',
};
const TENSORFLOW_GPU: TensorflowPackage = {
  pkg: TFJS_NODE_GPU,
  short: 'tfjs-node-gpu',
  detail: 'tfjs-node-gpu (libtensorflow with CUDA',
};

async function tryTensorflow(
  which: TensorflowPackage,
  load: () => Promise<unknown>,
  threads: { count: number; explicit: boolean },
): Promise<Attempt> {
  const { short } = which;
  const preexisting = findBackendFactory('tensorflow') != null;
  try {
    await load();
  } catch (error) {
    if (!preexisting) removeTensorflowLeftovers();
    if (isModuleNotFound(error, which.pkg)) {
      return { ok: false, reason: `${short} not installed`, notInstalled: true };
    }
    return { ok: false, reason: `${short} failed to load (${firstLine(error)})` };
  }
  if (findBackendFactory('tensorflow') == null) {
    if (!preexisting) removeTensorflowLeftovers();
    return {
      ok: false,
      reason: `${short} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (a second, incompatible tfjs-core copy?)`,
    };
  }
  if (!(await trySetBackend('tensorflow'))) {
    if (!preexisting) removeTensorflowLeftovers();
    return { ok: false, reason: `${short} loaded but its 'tensorflow' backend failed to start` };
  }
  // libtensorflow sizes its thread pools from the core count; tfjs-node has no setting for it.
  const cores = availableCores();
  const ignored =
    threads.explicit && threads.count !== cores
      ? `; threads: ${threads.count} does not apply to it`
      : '';
  return { ok: true, detail: `${which.detail}, ${plural(cores)}${ignored})`, threads: cores };
}

/** The most threads the native conv kernels take (their addon's limit). */
const NATIVE_MAX_THREADS = 64;

/**
 * Sets the native conv kernels' threads for this JavaScript thread where they load (they need
 * the single-threaded wasm build: they read its heap as an ArrayBuffer) and returns the detail
 * for the log line: `, native AVX-512 convolutions` (on 1 thread) or `, native AVX-512
 * convolutions on 2 threads`; else a note on why there are none where that is unexpected.
 */
function nativeThreads(count: number): { detail: string; threads: number } {
  const native = loadNativeConvKernels();
  if (!native.ok) {
    const expected =
      native.reason === 'BURNIN_NATIVE=0' || native.reason.startsWith('no native kernels');
    return { detail: expected ? '' : `; ${native.reason}`, threads: 1 };
  }
  const n = native.kernels.setThreads(Math.min(count, NATIVE_MAX_THREADS));
  const name = native.kernels.isa === 'avx512' ? 'AVX-512' : 'AVX2';
  const capped =
    count > NATIVE_MAX_THREADS
      ? `; threads: ${count} is more than their ${NATIVE_MAX_THREADS}`
      : '';
  return {
    detail: `, native ${name} convolutions${n > 1 ? ` on ${plural(n)}` : ''}${capped}`,
    threads: n,
  };
}

/** Whether the native conv kernels load here (Node, x86-64 Linux, not BURNIN_NATIVE=0). */
function nativeLoads(): boolean {
  return isNode() && loadNativeConvKernels().ok;
}

async function tryWasm(threads: { count: number; explicit: boolean }): Promise<Attempt> {
  let api: WasmThreadsApi;
  try {
    api = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmThreadsApi;
  } catch (error) {
    if (isModuleNotFound(error, '@tensorflow/tfjs-backend-wasm')) {
      return { ok: false, reason: '@tensorflow/tfjs-backend-wasm not installed' };
    }
    return { ok: false, reason: `tfjs-backend-wasm failed to load (${firstLine(error)})` };
  }
  registerTrainingKernels();
  const simd = await env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const build = simd ? 'SIMD' : 'no SIMD';
  const before = initializedThreads(api);
  if (before != null) {
    // tfjs-backend-wasm initialises once per process: the first thread count stays (the native
    // conv kernels beside a single-threaded build take the new count).
    if (!(await trySetBackend('wasm'))) {
      return { ok: false, reason: 'the wasm backend failed to initialize' };
    }
    if (before === 1 && nativeLoads()) {
      const native = nativeThreads(threads.count);
      return {
        ok: true,
        detail: `wasm (${build}, 1 thread${native.detail})`,
        threads: native.threads,
      };
    }
    const note =
      before === threads.count || (!threads.explicit && before > 1)
        ? ''
        : `; threads: ${threads.count} does not apply: the wasm backend was initialised earlier in this process and keeps ${plural(before)}`;
    return {
      ok: true,
      detail: `wasm (${build}, ${plural(before)}${before === 1 ? nativeThreads(1).detail : ''}${note})`,
      threads: before,
    };
  }
  let note = '';
  // More than one thread: where the native conv kernels load, the single-threaded build with
  // them on every thread (measured faster than XNNPACK's pool: bench.mjs); else the threaded
  // build.
  if (threads.count > 1 && simd && isNode() && !nativeLoads()) {
    const threaded = await startThreadedWasm(api, threads.count);
    if (threaded.ok) {
      const count = api.getThreadsCount();
      return { ok: true, detail: `wasm (${build}, ${plural(count)})`, threads: count };
    }
    note = `; ${threaded.reason}`;
  } else if (threads.count > 1 && simd && !isNode()) {
    // Outside Node tfjs decides (threads need cross-origin isolation in browsers).
    api.setThreadsCount(threads.count);
  } else if (threads.count > 1 && !simd && !nativeLoads()) {
    note = '; the threaded build needs SIMD';
  }
  // The single-threaded SIMD (or plain) build, exactly as tfjs starts it in Node.
  if (isNode()) env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await trySetBackend('wasm'))) {
    return { ok: false, reason: 'the wasm backend failed to initialize' };
  }
  const count = initializedThreads(api) ?? 1;
  if (count === 1 && isNode()) {
    // (the native kernels need no wasm SIMD; where they do not load this is 1 thread)
    const native = nativeThreads(threads.count);
    return {
      ok: true,
      detail: `wasm (${build}, 1 thread${native.detail}${note})`,
      threads: native.threads,
    };
  }
  return { ok: true, detail: `wasm (${build}, ${plural(count)}${note})`, threads: count };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await trySetBackend('cpu'))) {
    return { ok: false, reason: 'the cpu backend failed to initialize' };
  }
  return { ok: true, detail: 'cpu (pure JavaScript, slow, 1 thread)', threads: 1 };
}

type NodeBackend = Exclude<BackendPreference, 'auto' | 'webgpu' | 'webgl'>;

const FIX: Record<NodeBackend, string> = {
  'tensorflow-gpu':
    "add '@tensorflow/tfjs-node-gpu' to your application's dependencies (`npm i @tensorflow/tfjs-node-gpu`; its install downloads libtensorflow with CUDA, so the network must allow it, and it needs an NVIDIA GPU with CUDA and cuDNN) and pass `loadTensorflowGpu: () => import('@tensorflow/tfjs-node-gpu')`, or use initBackend('tensorflow') or initBackend('wasm')",
  tensorflow:
    "add '@tensorflow/tfjs-node' to your application's dependencies (`npm i @tensorflow/tfjs-node`; its install downloads libtensorflow, so the network must allow it) and pass `loadTensorflow: () => import('@tensorflow/tfjs-node')`, or use initBackend('wasm')",
  wasm: "`npm i @tensorflow/tfjs-backend-wasm` (same version as @tensorflow/tfjs-core), or use initBackend('cpu')",
  cpu: '`npm i @tensorflow/tfjs-backend-cpu` (same version as @tensorflow/tfjs-core)',
};

/**
 * Registers the training kernels ({@link registerTrainingKernels}) and activates a backend.
 * Every tfjs-core gradient is registered (this package bundles tfjs-core's registrations, which
 * plain Node cannot import), so `minimize` and conv training work with tfjs-core alone.
 *
 * - `'auto'` (default): tfjs-node-gpu if it loads, else tfjs-node, else wasm, else cpu. A
 *   failed tfjs-node(-gpu) load leaves no half-registered `'tensorflow'` backend or kernels
 *   behind; a tfjs-node-gpu that is not installed is not mentioned.
 * - `'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'`: that backend or a
 *   {@link BackendUnavailableError} saying how to fix it.
 * - `'webgpu' | 'webgl'`: a {@link BackendUnavailableError} (browser backends; the package's
 *   `browser` entry runs them).
 * - `options.threads` (`'auto'` = every core): wasm's thread count; see
 *   {@link InitBackendOptions.threads}.
 *
 * Logs exactly one line (e.g. `burnin: tfjs-node not installed: falling back to wasm (SIMD, 2
 * threads)`) and resolves to `{ name, reason, threads }` where `name` is `tf.getBackend()`,
 * `reason` is that line without the `burnin: ` prefix and `threads` the threads it computes
 * with. Throws {@link InvalidBackendOptionError} for an unknown preference or invalid `threads`.
 */
export async function initBackend(
  preference: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  checkPreference(preference);
  if (preference === 'webgpu' || preference === 'webgl') {
    throw new BackendUnavailableError(
      preference,
      `${preference} is a browser backend (this is the Node entry of @burnin/backend)`,
      "in Node use initBackend('auto'), 'tensorflow', 'wasm' or 'cpu'; in a page, bundle for the browser (the package's `browser` export condition)",
    );
  }
  const threads = resolveThreads(options.threads);
  const log = options.log ?? ((line: string) => console.info(line));
  const missing = missingGradients();
  if (missing.length > 0) {
    // Cannot happen with this package's own build (it bundles the registrations); guards a
    // build that left them out.
    throw new BackendUnavailableError(
      preference,
      `tfjs-core's gradients are not registered (none for ${missing.join(', ')})`,
      "import '@tensorflow/tfjs' (which registers them), or report this as a bug of @burnin/backend",
    );
  }
  // Import the wasm backend (when installed) before registering: its module registers its own
  // kernels on import and would otherwise replace ours.
  await import('@tensorflow/tfjs-backend-wasm').catch(() => undefined);
  registerTrainingKernels();

  const attempts: [NodeBackend, () => Promise<Attempt>][] = [
    [
      'tensorflow-gpu',
      () =>
        tryTensorflow(
          TENSORFLOW_GPU,
          options.loadTensorflowGpu ?? loadFromApp(TFJS_NODE_GPU),
          threads,
        ),
    ],
    [
      'tensorflow',
      () => tryTensorflow(TENSORFLOW, options.loadTensorflow ?? loadFromApp(TFJS_NODE), threads),
    ],
    ['wasm', () => tryWasm(threads)],
    ['cpu', tryCpu],
  ];
  const failures: string[] = [];
  for (const [name, attempt] of attempts) {
    if (preference !== 'auto' && preference !== name) continue;
    const result = await attempt();
    if (result.ok) {
      await ready();
      const reason =
        failures.length === 0
          ? `using ${result.detail}${preference === 'auto' ? '' : ' as requested'}`
          : `${failures.join('; ')}: falling back to ${result.detail}`;
      log(`burnin: ${reason}`);
      return { name: getBackend(), reason, threads: result.threads };
    }
    if (preference !== 'auto') throw new BackendUnavailableError(name, result.reason, FIX[name]);
    // Most machines have no tfjs-node-gpu: only mention it when it is there and fails.
    if (name === 'tensorflow-gpu' && result.notInstalled) continue;
    failures.push(result.reason);
  }
  throw new BackendUnavailableError('auto', failures.join('; '), FIX.cpu);
}
