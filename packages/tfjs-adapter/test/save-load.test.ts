import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { learningRateLogger } from '../src/callbacks.js';
import { disposeOptimizerWeights, ScheduledOptimizer, withSchedule } from '../src/index.js';
import { OPTIMIZERS, schedule } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function model(optimizer: tf.Optimizer): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 3,
        inputShape: [2],
        activation: 'tanh',
        kernelInitializer: 'ones',
      }),
      tfl.layers.dense({ units: 1, kernelInitializer: 'ones' }),
    ],
  });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

const fitArgs = { batchSize: 2, shuffle: false, verbose: 0 } as const;

describe('model.save({ includeOptimizer: true }) and tf.loadLayersModel', () => {
  for (const name of ['adam', 'momentum', 'rmsprop'] as const) {
    it(`${name}: the loaded placeholder carries the state into a fresh wrapper`, async () => {
      const make = () => withSchedule(OPTIMIZERS[name](0.3), schedule, { clipNorm: 2 });
      const x = tf.tensor2d([1, 2, -1, 0.5, 0.25, -2, 3, 1], [4, 2]);
      const y = tf.tensor2d([1, -1, 0.5, 2], [4, 1]);

      const a = model(make());
      const h = await a.fit(x, y, { ...fitArgs, epochs: 4, callbacks: [learningRateLogger()] });
      const full = a.getWeights().map((t) => Array.from(t.dataSync()));
      a.dispose();

      const b = model(make());
      const h1 = await b.fit(x, y, { ...fitArgs, epochs: 2, callbacks: [learningRateLogger()] });
      let saved: tf.io.ModelArtifacts | undefined;
      await b.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        { includeOptimizer: true },
      );
      b.dispose();

      const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
      const placeholder = loaded.optimizer as ScheduledOptimizer;
      expect(placeholder).toBeInstanceOf(ScheduledOptimizer);
      expect(placeholder.step).toBe(4);
      const mine = make();
      const weights = await placeholder.getWeights();
      await mine.setWeights(weights);
      disposeOptimizerWeights(weights);
      placeholder.dispose();
      loaded.compile({ optimizer: mine, loss: 'meanSquaredError' });
      expect(mine.step).toBe(4);
      const h2 = await loaded.fit(x, y, {
        ...fitArgs,
        epochs: 4,
        initialEpoch: 2,
        callbacks: [learningRateLogger()],
      });
      expect([...h1.history.lr, ...h2.history.lr]).toEqual(h.history.lr);
      expect(loaded.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(full);
      tf.dispose([x, y]);
      loaded.dispose();
    });
  }
});
