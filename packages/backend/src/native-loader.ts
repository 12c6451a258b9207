import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NativeConvKernels, setNativeConvKernels } from './kernels/native-conv.js';

/** File name of the native conv addon for this platform (only linux-x64 is built). */
export const NATIVE_ADDON = `burnin-conv-${process.platform}-${process.arch}.node`;

/** What {@link loadNativeConvKernels} found: the kernels, or why there are none. */
export type NativeLoad =
  | { ok: true; kernels: NativeConvKernels; file: string }
  | { ok: false; reason: string };

let cached: NativeLoad | null = null;

function here(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** dist/native/ next to the bundle (dist/index.js), or from src/ during tests. */
function candidates(): string[] {
  const dir = path.dirname(here());
  return [
    path.join(dir, 'native', NATIVE_ADDON),
    path.join(dir, '..', 'dist', 'native', NATIVE_ADDON),
  ];
}

/**
 * Loads the native conv kernels the package's build compiled (dist/native/, x86-64 Linux, g++)
 * and installs them for the wasm backend's Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter. Never throws: on other platforms, without the built file, on CPUs
 * without AVX2 + FMA, or with `BURNIN_NATIVE=0`, it says why and the wasm kernels run. Loads
 * once per thread (each worker_thread has its own tfjs).
 */
export function loadNativeConvKernels(): NativeLoad {
  if (cached != null) return cached;
  cached = load();
  if (cached.ok) setNativeConvKernels(cached.kernels);
  return cached;
}

function load(): NativeLoad {
  if (process.env.BURNIN_NATIVE === '0') return { ok: false, reason: 'BURNIN_NATIVE=0' };
  const file = candidates().find((f) => existsSync(f));
  if (file == null) {
    return { ok: false, reason: `no native kernels for ${process.platform}-${process.arch}` };
  }
  try {
    const addon = createRequire(here())(file) as {
      isa(): string | null;
    } & Omit<NativeConvKernels, 'isa'>;
    const isa = addon.isa();
    if (isa == null) return { ok: false, reason: 'the CPU has neither AVX-512 nor AVX2 + FMA' };
    const kernels: NativeConvKernels = {
      isa,
      conv2d: addon.conv2d,
      conv2dBiasActivation: addon.conv2dBiasActivation,
      conv2dBackpropInput: addon.conv2dBackpropInput,
      conv2dBackpropFilter: addon.conv2dBackpropFilter,
      batchMatMul: addon.batchMatMul,
      adamUpdate: addon.adamUpdate,
      resizeNearestUp: addon.resizeNearestUp,
      addInto: addon.addInto,
      setThreads: addon.setThreads,
    };
    return { ok: true, kernels, file };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `the native kernels failed to load (${text.split('\n')[0]})` };
  }
}
