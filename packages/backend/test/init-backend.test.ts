import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendPreference,
  BackendUnavailableError,
  InvalidBackendOptionError,
  initBackend,
} from '../src/index.js';

function notFound(): Promise<never> {
  const error = new Error("Cannot find module '@tensorflow/tfjs-node'") as Error & { code: string };
  error.code = 'MODULE_NOT_FOUND';
  return Promise.reject(error);
}

function collect(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

afterEach(async () => {
  if (tf.findBackendFactory('tensorflow') != null) {
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});

describe('initBackend', () => {
  it("'auto' without tfjs-node falls back to wasm and logs exactly one line", async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', { log, loadTensorflow: notFound });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toEqual([`burnin: ${choice.reason}`]);
    expect(choice.reason).toMatch(/^tfjs-node not installed: falling back to wasm \((no )?SIMD\)$/);
    expect(tf.tidy(() => tf.add(1, 2).dataSync()[0])).toBe(3);
  });

  it("'auto' with the default loader (tfjs-node absent or broken here) picks wasm", async () => {
    const { lines, log } = collect();
    const choice = await initBackend(undefined, { log });
    expect(choice.name).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^burnin: tfjs-node (not installed|failed to load .*): falling back to wasm/,
    );
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
  });

  it("'tensorflow' that cannot load throws BackendUnavailableError saying how to fix it", async () => {
    const { lines, log } = collect();
    const attempt = initBackend('tensorflow', { log, loadTensorflow: notFound });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/npm i @tensorflow\/tfjs-node/);
    const error = (await attempt.catch((e: unknown) => e)) as BackendUnavailableError;
    expect(error.backend).toBe('tensorflow');
    expect(error.fix).toMatch(/initBackend\('wasm'\)/);
    expect(lines).toEqual([]);
  });

  it('a tfjs-node load that fails halfway leaves no tensorflow backend or kernels behind', async () => {
    const { lines, log } = collect();
    const halfway = async () => {
      tf.registerKernel({
        kernelName: 'Add',
        backendName: 'tensorflow',
        kernelFunc: () => ({}) as never,
      });
      tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
      throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found');
    };
    const choice = await initBackend('auto', { log, loadTensorflow: halfway });
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toMatch(/^tfjs-node failed to load \(The Node.js native addon/);
    expect(lines).toHaveLength(1);
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
  });

  it('a tfjs-node that registers nothing on this tfjs-core is reported and skipped', async () => {
    const { log } = collect();
    const choice = await initBackend('auto', { log, loadTensorflow: async () => ({}) });
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toMatch(/registered no 'tensorflow' backend/);
  });

  it("uses the 'tensorflow' backend when the loader registers it on our engine", async () => {
    const { lines, log } = collect();
    const load = async () => {
      tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
    };
    const choice = await initBackend('auto', { log, loadTensorflow: load });
    expect(choice).toEqual({ name: 'tensorflow', reason: 'using tfjs-node (libtensorflow)' });
    expect(lines).toEqual(['burnin: using tfjs-node (libtensorflow)']);
  });

  it.each([
    ['wasm', /^using wasm \((no )?SIMD\) as requested$/],
    ['cpu', /^using cpu \(pure JavaScript, slow\) as requested$/],
  ] as const)("'%s' activates that backend", async (preference, reason) => {
    const { lines, log } = collect();
    const choice = await initBackend(preference, { log });
    expect(choice.name).toBe(preference);
    expect(choice.reason).toMatch(reason);
    expect(lines).toHaveLength(1);
  });

  it('rejects an unknown preference with InvalidBackendOptionError', async () => {
    const attempt = initBackend('webgpu' as BackendPreference);
    await expect(attempt).rejects.toBeInstanceOf(InvalidBackendOptionError);
    await expect(attempt).rejects.toThrow(
      /preference must be one of 'auto', 'tensorflow', 'wasm', 'cpu'; got "webgpu"/,
    );
  });

  it('creates no tensors', async () => {
    const before = tf.memory().numTensors;
    await initBackend('auto', { log: () => {}, loadTensorflow: notFound });
    await initBackend('cpu', { log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
  });
});
