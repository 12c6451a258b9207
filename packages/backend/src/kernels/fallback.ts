import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

/** The kernels ours replaced, by `${kernelName}|${backendName}`, for cases we delegate. */
const replaced = new Map<string, KernelConfig>();

/** Remembers the kernel that `ours` is about to replace (ignores our own configs). */
export function rememberReplaced(previous: KernelConfig, ours: readonly KernelConfig[]): void {
  if (ours.some((k) => k.kernelFunc === previous.kernelFunc)) return;
  replaced.set(`${previous.kernelName}|${previous.backendName}`, previous);
}

/** Runs the kernel ours replaced (e.g. for dtypes ours does not handle). */
export function runReplaced(
  kernelName: string,
  backendName: string,
  args: { inputs: unknown; backend: unknown; attrs?: unknown },
): TensorInfo {
  const previous = replaced.get(`${kernelName}|${backendName}`);
  if (previous == null) {
    throw new Error(
      `@burnin/backend: no original '${kernelName}' kernel for '${backendName}' to delegate to`,
    );
  }
  return previous.kernelFunc(args as never) as TensorInfo;
}

/** The kernel ours replaced for `kernelName` on `backendName`, if any. */
export function replacedKernel(kernelName: string, backendName: string): KernelConfig | undefined {
  return replaced.get(`${kernelName}|${backendName}`);
}

/**
 * A `setupFunc` / `disposeFunc` pair that runs those of the kernel ours replaced (looked up when
 * the backend starts): tfjs-backend-wasm binds its C functions there, which the cases ours
 * delegates still need.
 */
export function replacedSetup(
  kernelName: string,
  backendName: string,
): Pick<KernelConfig, 'setupFunc' | 'disposeFunc'> {
  return {
    setupFunc: (backend) => replacedKernel(kernelName, backendName)?.setupFunc?.(backend),
    disposeFunc: (backend) => replacedKernel(kernelName, backendName)?.disposeFunc?.(backend),
  };
}
