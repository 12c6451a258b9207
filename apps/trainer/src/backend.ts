import { type BackendPreference, initBackend, registerTrainingKernels } from '@burnin/backend';
import '@tensorflow/tfjs-backend-wasm';
import { UsageError } from './args.js';

const PREFS = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Selects the tfjs backend (tfjs-node only through a dynamic import) and returns its name. */
export async function selectBackend(
  pref: string | undefined,
  log: (l: string) => void,
): Promise<string> {
  const p = (pref ?? 'auto') as BackendPreference;
  if (!PREFS.includes(p))
    throw new UsageError(`--backend must be one of ${PREFS.join(', ')}, got ${String(pref)}`);
  // One compute thread per tfjs engine: the trainer uses the cores through data parallelism
  // (train.threads: the main thread plus worker_threads, each with its own engine).
  const choice = await initBackend(p, {
    log,
    loadTensorflow: () => import('@tensorflow/tfjs-node' as string),
    threads: Number(process.env.BURNIN_WASM_THREADS ?? 1),
  });
  registerTrainingKernels();
  return choice.name;
}
