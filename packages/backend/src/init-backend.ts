import * as tf from '@tensorflow/tfjs-core';

export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  name: string;
  reason: string;
}

/** Selects the cpu backend (placeholder until the full selection lands). */
export async function initBackend(_preference: BackendPreference = 'auto'): Promise<BackendChoice> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: tf.getBackend(), reason: 'cpu backend selected' };
}
