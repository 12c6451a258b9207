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
  const choice = await initBackend(p, {
    log,
    loadTensorflow: () => import('@tensorflow/tfjs-node' as string),
  });
  registerTrainingKernels();
  return choice.name;
}
