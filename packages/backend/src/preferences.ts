import { InvalidBackendOptionError } from './errors.js';

/** The values of `initBackend`'s preference, shared by the Node and browser entries. */
export const PREFERENCES = [
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'webgl',
  'wasm',
  'cpu',
] as const;

/**
 * Which backend to run. In Node `'auto'` picks tfjs-node-gpu, else tfjs-node, else wasm, else
 * cpu; in a page (the `browser` entry) webgpu, else webgl, else wasm, else cpu, keeping an
 * active GPU backend. `'tensorflow-gpu'` is tfjs-node-gpu (its backend is also named
 * `'tensorflow'`); `'webgpu'` and `'webgl'` exist only in a page, the tfjs-node ones only in Node.
 */
export type BackendPreference = (typeof PREFERENCES)[number];

/** Throws {@link InvalidBackendOptionError} unless `preference` is one of {@link PREFERENCES}. */
export function checkPreference(preference: unknown): asserts preference is BackendPreference {
  if (!PREFERENCES.includes(preference as BackendPreference)) {
    throw new InvalidBackendOptionError('preference', preference, PREFERENCES);
  }
}
