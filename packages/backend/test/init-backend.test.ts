import os from 'node:os';
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
import { loadNativeConvKernels } from '../src/native-loader.js';

function notFoundModule(name: string): () => Promise<never> {
  return () => {
    const error = new Error(`Cannot find module '${name}'`) as Error & { code: string };
    error.code = 'MODULE_NOT_FOUND';
    return Promise.reject(error);
  };
}
const notFound = notFoundModule('@tensorflow/tfjs-node');
const gpuNotFound = notFoundModule('@tensorflow/tfjs-node-gpu');
const cores = os.availableParallelism();
const coresText = `${cores} thread${cores === 1 ? '' : 's'}`;
const native = loadNativeConvKernels();
/**
 * What the first wasm init in this process gets: the single-threaded build with the native
 * convolutions on every core (at most 64) where they load, else XNNPACK's pool on every core
 * (at most 8: tfjs' build).
 */
const wasmThreads = native.ok ? Math.min(cores, 64) : Math.min(cores, 8);
const wasmDetail = native.ok
  ? `1 thread, native ${native.kernels.isa === 'avx512' ? 'AVX-512' : 'AVX2'} convolutions${wasmThreads > 1 ? ` on ${wasmThreads} threads` : ''}`
  : `${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}`;

function registersTensorflow(calls?: string[], name = 'load'): () => Promise<void> {
  return async () => {
    calls?.push(name);
    tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  };
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
    expect(choice.reason).toBe(
      `tfjs-node not installed: falling back to wasm (SIMD, ${wasmDetail})`,
    );
    expect(choice.threads).toBe(wasmThreads);
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
    const load = registersTensorflow();
    const choice = await initBackend('auto', {
      log,
      loadTensorflow: load,
      loadTensorflowGpu: gpuNotFound,
    });
    const reason = `using tfjs-node (libtensorflow, ${coresText})`;
    expect(choice).toEqual({ name: 'tensorflow', reason, threads: cores });
    expect(lines).toEqual([`burnin: ${reason}`]);
  });

  it('says an explicit thread count does not apply to tfjs-node', async () => {
    const { log } = collect();
    const threads = cores + 1;
    const choice = await initBackend('tensorflow', {
      log,
      threads,
      loadTensorflow: registersTensorflow(),
    });
    expect(choice.threads).toBe(cores);
    expect(choice.reason).toBe(
      `using tfjs-node (libtensorflow, ${coresText}; threads: ${threads} does not apply to it) as requested`,
    );
  });
});

describe('initBackend: tfjs-node-gpu, named backends', () => {
  it("'auto' tries tfjs-node-gpu first and uses it when it registers 'tensorflow'", async () => {
    const { lines, log } = collect();
    const calls: string[] = [];
    const choice = await initBackend('auto', {
      log,
      loadTensorflowGpu: registersTensorflow(calls, 'gpu'),
      loadTensorflow: registersTensorflow(calls, 'node'),
    });
    const reason = `using tfjs-node-gpu (libtensorflow with CUDA, ${coresText})`;
    expect(choice).toEqual({ name: 'tensorflow', reason, threads: cores });
    expect(lines).toEqual([`burnin: ${reason}`]);
    expect(calls).toEqual(['gpu']);
  });

  it("'auto' without tfjs-node-gpu goes on to tfjs-node without mentioning the gpu package", async () => {
    const { lines, log } = collect();
    const calls: string[] = [];
    const choice = await initBackend('auto', {
      log,
      loadTensorflowGpu: async () => {
        calls.push('gpu');
        return gpuNotFound();
      },
      loadTensorflow: registersTensorflow(calls, 'node'),
    });
    expect(calls).toEqual(['gpu', 'node']);
    expect(choice.name).toBe('tensorflow');
    expect(lines).toEqual([`burnin: using tfjs-node (libtensorflow, ${coresText})`]);
  });

  it('a tfjs-node-gpu that fails halfway is cleaned up and reported, then tfjs-node runs', async () => {
    const { lines, log } = collect();
    const halfway = async () => {
      tf.registerKernel({
        kernelName: 'Sub',
        backendName: 'tensorflow',
        kernelFunc: () => ({}) as never,
      });
      tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
      throw new Error('libcudart.so.11.0: cannot open shared object file');
    };
    let kernelsWhenNodeLoads: unknown[] | undefined;
    const choice = await initBackend('auto', {
      log,
      loadTensorflowGpu: halfway,
      loadTensorflow: async () => {
        kernelsWhenNodeLoads = tf.getKernelsForBackend('tensorflow');
        tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
      },
    });
    expect(kernelsWhenNodeLoads).toEqual([]);
    expect(choice.name).toBe('tensorflow');
    expect(lines).toEqual([
      `burnin: tfjs-node-gpu failed to load (libcudart.so.11.0: cannot open shared object file): falling back to tfjs-node (libtensorflow, ${coresText})`,
    ]);
  });

  it("'auto' with neither tfjs-node-gpu nor tfjs-node falls back to wasm in one line", async () => {
    const { lines, log } = collect();
    const choice = await initBackend('auto', {
      log,
      loadTensorflowGpu: gpuNotFound,
      loadTensorflow: notFound,
    });
    expect(choice.name).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^burnin: tfjs-node not installed: falling back to wasm \(SIMD, \d+ threads?/,
    );
  });

  it("'tensorflow-gpu' names it explicitly and never loads tfjs-node", async () => {
    const { lines, log } = collect();
    const calls: string[] = [];
    const choice = await initBackend('tensorflow-gpu', {
      log,
      loadTensorflowGpu: registersTensorflow(calls, 'gpu'),
      loadTensorflow: registersTensorflow(calls, 'node'),
    });
    expect(calls).toEqual(['gpu']);
    expect(choice).toEqual({
      name: 'tensorflow',
      reason: `using tfjs-node-gpu (libtensorflow with CUDA, ${coresText}) as requested`,
      threads: cores,
    });
    expect(lines).toHaveLength(1);
  });

  it("'tensorflow-gpu' that is not installed throws BackendUnavailableError saying how to fix it", async () => {
    const { lines, log } = collect();
    const calls: string[] = [];
    const attempt = initBackend('tensorflow-gpu', {
      log,
      loadTensorflowGpu: gpuNotFound,
      loadTensorflow: registersTensorflow(calls, 'node'),
    });
    const error = (await attempt.catch((e: unknown) => e)) as BackendUnavailableError;
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.backend).toBe('tensorflow-gpu');
    expect(error.message).toMatch(/tfjs-node-gpu not installed/);
    expect(error.fix).toMatch(/npm i @tensorflow\/tfjs-node-gpu/);
    expect(error.fix).toMatch(/loadTensorflowGpu/);
    expect(error.fix).toMatch(/initBackend\('tensorflow'\)/);
    expect(calls).toEqual([]);
    expect(lines).toEqual([]);
    expect(tf.findBackendFactory('tensorflow')).toBeNull();
  });

  it.each([
    [
      'wasm',
      /^using wasm \(SIMD, \d+ threads?(, native AVX(-512|2) convolutions( on \d+ threads)?)?\) as requested$/,
    ],
    ['cpu', /^using cpu \(pure JavaScript, slow, 1 thread\) as requested$/],
  ] as const)("'%s' activates that backend", async (preference, reason) => {
    const { lines, log } = collect();
    const choice = await initBackend(preference, { log });
    expect(choice.name).toBe(preference);
    expect(choice.reason).toMatch(reason);
    expect(lines).toHaveLength(1);
  });

  it('rejects an unknown preference with InvalidBackendOptionError', async () => {
    const attempt = initBackend('metal' as BackendPreference);
    await expect(attempt).rejects.toBeInstanceOf(InvalidBackendOptionError);
    await expect(attempt).rejects.toThrow(
      /preference must be one of 'auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'; got "metal"/,
    );
  });

  it('creates no tensors', async () => {
    const before = tf.memory().numTensors;
    await initBackend('auto', { log: () => {}, loadTensorflow: notFound });
    await initBackend('cpu', { log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
  });
});
