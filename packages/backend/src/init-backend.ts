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
import { registerTrainingKernels } from './register-training-kernels.js';

/** Which backend to run: `'auto'` picks tfjs-node, else wasm, else cpu. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The backend that runs (`tf.getBackend()`) and why it was chosen, in one line. */
export interface BackendChoice {
  name: string;
  reason: string;
}

export interface InitBackendOptions {
  /** Receives the one line that says which backend runs and why. Default: `console.info`. */
  log?: (line: string) => void;
  /**
   * Loads `@tensorflow/tfjs-node` (e.g. `() => import('@tensorflow/tfjs-node')` from the
   * application that depends on it). Default: resolve it from the current working directory.
   */
  loadTensorflow?: () => Promise<unknown>;
}

const PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
const TFJS_NODE = '@tensorflow/tfjs-node';

type Attempt = { ok: true; detail: string } | { ok: false; reason: string };

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

function defaultLoadTensorflow(): Promise<unknown> {
  const requireFromApp = createRequire(path.join(process.cwd(), 'noop.js'));
  return Promise.resolve().then(() => requireFromApp(TFJS_NODE));
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

async function tryTensorflow(load: () => Promise<unknown>): Promise<Attempt> {
  const preexisting = findBackendFactory('tensorflow') != null;
  try {
    await load();
  } catch (error) {
    if (!preexisting) removeTensorflowLeftovers();
    if (isModuleNotFound(error, TFJS_NODE)) return { ok: false, reason: 'tfjs-node not installed' };
    return { ok: false, reason: `tfjs-node failed to load (${firstLine(error)})` };
  }
  if (findBackendFactory('tensorflow') == null) {
    if (!preexisting) removeTensorflowLeftovers();
    return {
      ok: false,
      reason:
        "tfjs-node loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (a second, incompatible tfjs-core copy?)",
    };
  }
  if (!(await trySetBackend('tensorflow'))) {
    if (!preexisting) removeTensorflowLeftovers();
    return { ok: false, reason: "tfjs-node loaded but its 'tensorflow' backend failed to start" };
  }
  return { ok: true, detail: 'tfjs-node (libtensorflow)' };
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    if (isModuleNotFound(error, '@tensorflow/tfjs-backend-wasm')) {
      return { ok: false, reason: '@tensorflow/tfjs-backend-wasm not installed' };
    }
    return { ok: false, reason: `tfjs-backend-wasm failed to load (${firstLine(error)})` };
  }
  registerTrainingKernels();
  if (!(await trySetBackend('wasm'))) {
    return { ok: false, reason: 'the wasm backend failed to initialize' };
  }
  const simd = await env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return { ok: true, detail: simd ? 'wasm (SIMD)' : 'wasm (no SIMD)' };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await trySetBackend('cpu'))) {
    return { ok: false, reason: 'the cpu backend failed to initialize' };
  }
  return { ok: true, detail: 'cpu (pure JavaScript, slow)' };
}

const FIX: Record<Exclude<BackendPreference, 'auto'>, string> = {
  tensorflow:
    "add '@tensorflow/tfjs-node' to your application's dependencies (`npm i @tensorflow/tfjs-node`; its install downloads libtensorflow, so the network must allow it) and pass `loadTensorflow: () => import('@tensorflow/tfjs-node')`, or use initBackend('wasm')",
  wasm: "`npm i @tensorflow/tfjs-backend-wasm` (same version as @tensorflow/tfjs-core), or use initBackend('cpu')",
  cpu: '`npm i @tensorflow/tfjs-backend-cpu` (same version as @tensorflow/tfjs-core)',
};

/**
 * Registers the training kernels ({@link registerTrainingKernels}) and activates a backend.
 *
 * - `'auto'` (default): tfjs-node if it loads, else wasm, else cpu. A failed tfjs-node load
 *   leaves no half-registered `'tensorflow'` backend or kernels behind.
 * - `'tensorflow' | 'wasm' | 'cpu'`: that backend or a {@link BackendUnavailableError} saying
 *   how to fix it.
 *
 * Logs exactly one line (e.g. `burnin: tfjs-node not installed: falling back to wasm (SIMD)`)
 * and resolves to `{ name, reason }` where `name` is `tf.getBackend()` and `reason` is that
 * line without the `burnin: ` prefix. Throws {@link InvalidBackendOptionError} for an unknown
 * preference.
 */
export async function initBackend(
  preference: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  if (!PREFERENCES.includes(preference)) {
    throw new InvalidBackendOptionError('preference', preference, PREFERENCES);
  }
  const log = options.log ?? ((line: string) => console.info(line));
  // Import the wasm backend (when installed) before registering: its module registers its own
  // kernels on import and would otherwise replace ours.
  await import('@tensorflow/tfjs-backend-wasm').catch(() => undefined);
  registerTrainingKernels();

  const attempts: [Exclude<BackendPreference, 'auto'>, () => Promise<Attempt>][] = [
    ['tensorflow', () => tryTensorflow(options.loadTensorflow ?? defaultLoadTensorflow)],
    ['wasm', tryWasm],
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
      return { name: getBackend(), reason };
    }
    if (preference !== 'auto') throw new BackendUnavailableError(name, result.reason, FIX[name]);
    failures.push(result.reason);
  }
  throw new BackendUnavailableError('auto', failures.join('; '), FIX.cpu);
}
