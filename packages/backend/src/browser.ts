// The `browser` export condition of @burnin/backend: the same API as the Node entry, with no
// Node built-ins. In a page, the backends are the ones the page imports
// (`@tensorflow/tfjs-backend-webgpu`, `-webgl`, `-wasm`; cpu always): this entry never imports
// an optional backend itself, so a bundler never has to resolve one that is not installed.
import './register-gradients.js';
import { engine, findBackendFactory, getBackend, ready, setBackend } from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidBackendOptionError } from './errors.js';
import type { BackendChoice, InitBackendOptions, ThreadsOption } from './init-backend.js';
import { type BackendPreference, checkPreference } from './preferences.js';
import { missingGradients } from './register-gradients.js';
import { registerTrainingKernels } from './register-training-kernels.js';

export { addFloat32Into } from './add-into.js';
export { BackendUnavailableError, InvalidBackendOptionError } from './errors.js';
export { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from './kernels/adam-update.js';
export { registerTrainingKernels, trainingKernelNames } from './register-training-kernels.js';
export type { BackendChoice, BackendPreference, InitBackendOptions, ThreadsOption };

type PageBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
/** The `'auto'` order in a page. */
const ORDER: readonly PageBackend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
const GPU: readonly string[] = ['webgpu', 'webgl'];

/** Where the page's fix for each backend lies. */
const PAGE_FIX: Record<PageBackend, string> = {
  webgpu:
    "`npm i @tensorflow/tfjs-backend-webgpu` and `import '@tensorflow/tfjs-backend-webgpu'` in the page (needs a browser with WebGPU), or use initBackend('auto')",
  webgl:
    "`npm i @tensorflow/tfjs-backend-webgl` and `import '@tensorflow/tfjs-backend-webgl'` in the page, or use initBackend('auto')",
  wasm: "`import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'` in the page and call `setWasmPaths('/your/path/')` before initBackend, with the .wasm files of node_modules/@tensorflow/tfjs-backend-wasm/dist/ (tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm) served at that URL; or use initBackend('cpu')",
  cpu: '`npm i @tensorflow/tfjs-backend-cpu` (same version as @tensorflow/tfjs-core)',
};

function plural(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0].trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function checkThreads(threads: unknown): void {
  if (threads === undefined || threads === 'auto') return;
  if (typeof threads === 'number' && Number.isInteger(threads) && threads >= 1) return;
  throw new InvalidBackendOptionError(
    'threads',
    threads,
    ['auto', 'an integer >= 1'],
    "'auto' or an integer >= 1 (wasm uses at most 8)",
  );
}

/** The thread count of an active wasm backend (its module's `getThreadsCount()`), else 1. */
function wasmThreads(): number {
  try {
    const backend = engine().findBackend('wasm') as unknown as {
      wasm?: { tfjs?: { getThreadsCount?: () => number } };
    } | null;
    const count = backend?.wasm?.tfjs?.getThreadsCount?.();
    return typeof count === 'number' && count >= 1 ? count : 1;
  } catch {
    return 1;
  }
}

async function trySet(name: PageBackend): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (findBackendFactory(name) == null) {
    return {
      ok: false,
      reason: `${name} not registered (the page does not import '@tensorflow/tfjs-backend-${name}')`,
    };
  }
  try {
    if (await setBackend(name)) return { ok: true };
    return { ok: false, reason: `the ${name} backend failed to initialize` };
  } catch (error) {
    return { ok: false, reason: `the ${name} backend failed to initialize (${firstLine(error)})` };
  }
}

function describe(name: string): { detail: string; threads: number } {
  if (name === 'wasm') {
    const threads = wasmThreads();
    return { detail: `wasm (${plural(threads)})`, threads };
  }
  if (name === 'cpu') return { detail: 'cpu (pure JavaScript, slow, 1 thread)', threads: 1 };
  return { detail: `${name} (GPU)`, threads: 1 };
}

/**
 * Browser version of `initBackend`: registers the training kernels and activates a backend the
 * page has imported.
 *
 * - `'auto'` (default): an active webgpu or webgl backend is kept (never replaced by a slower
 *   one); else webgpu, webgl, wasm, cpu, the first that is registered and initialises.
 * - `'webgpu' | 'webgl' | 'wasm' | 'cpu'`: that backend or a {@link BackendUnavailableError}
 *   saying how to fix it (for wasm: `setWasmPaths` and where the .wasm files must be served).
 * - `'tensorflow' | 'tensorflow-gpu'`: a {@link BackendUnavailableError} (Node only).
 * - `options.threads`: validated; in a page tfjs-backend-wasm chooses its threads itself
 *   (threads need a cross-origin isolated page); the result reports the count it runs.
 *
 * Logs exactly one line and resolves to `{ name, reason, threads }` like the Node entry.
 */
export async function initBackend(
  preference: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  checkPreference(preference);
  checkThreads(options.threads);
  const log = options.log ?? ((line: string) => console.info(line));
  if (preference === 'tensorflow' || preference === 'tensorflow-gpu') {
    throw new BackendUnavailableError(
      preference,
      'tfjs-node runs only in Node, not in a browser page',
      "use initBackend('auto') (webgpu, webgl, wasm, cpu: the backends the page imports) or name one of them",
    );
  }
  const missing = missingGradients();
  if (missing.length > 0) {
    throw new BackendUnavailableError(
      preference,
      `tfjs-core's gradients are not registered (none for ${missing.join(', ')})`,
      "import '@tensorflow/tfjs-core/dist/register_all_gradients' in the page",
    );
  }
  registerTrainingKernels();

  const finish = async (name: string, reason: string): Promise<BackendChoice> => {
    await ready();
    const { threads } = describe(name);
    log(`burnin: ${reason}`);
    return { name: getBackend(), reason, threads };
  };

  const active = engine().backendName;
  if (preference === 'auto' && active != null && GPU.includes(active)) {
    return finish(active, `keeping the active ${describe(active).detail} backend`);
  }
  const failures: string[] = [];
  for (const name of ORDER) {
    if (preference !== 'auto' && preference !== name) continue;
    const result = await trySet(name);
    if (result.ok) {
      const { detail } = describe(name);
      const reason =
        failures.length === 0
          ? `using ${detail}${preference === 'auto' ? '' : ' as requested'}`
          : `${failures.join('; ')}: falling back to ${detail}`;
      return finish(name, reason);
    }
    if (preference !== 'auto') {
      throw new BackendUnavailableError(name, result.reason, PAGE_FIX[name]);
    }
    failures.push(result.reason);
  }
  throw new BackendUnavailableError('auto', failures.join('; '), PAGE_FIX.cpu);
}
