// Own file: tfjs-backend-wasm must not have been imported before initBackend runs.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { initBackend, registerTrainingKernels, trainingKernelNames } from '../src/index.js';

it('keeps our wasm kernels although initBackend is what first imports tfjs-backend-wasm', async () => {
  expect(tf.findBackendFactory('wasm')).toBeNull();
  await initBackend('auto', {
    log: () => {},
    loadTensorflow: () => Promise.reject(new Error('not here')),
  });
  expect(tf.getBackend()).toBe('wasm');
  const names = trainingKernelNames().wasm;
  const registered = names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc);
  registerTrainingKernels();
  expect(names.map((n) => tf.getKernel(n, 'wasm')?.kernelFunc)).toEqual(registered);
});
