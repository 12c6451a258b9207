import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/index.js';

describe('initBackend', () => {
  it('activates a backend that computes', async () => {
    const choice = await initBackend('cpu');
    expect(choice.name).toBe('cpu');
    expect(tf.add(1, 2).dataSync()[0]).toBe(3);
  });
});
