/** The data-loader thread of {@link createBatchLoader} (see loader.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { batchAt, loadDatasets } from '../data/batches.js';
import type { LoaderInit, LoaderReply, LoaderRequest } from './loader.js';
import { prepareBatch } from './prepared-batch.js';

const init = workerData as LoaderInit;
const cfg = init.config;
const port = parentPort;
if (!port) throw new Error('loader-worker must run as a worker thread');
const { train } = await loadDatasets(cfg);
const B = cfg.train.batchSize;
port.on('message', (m: LoaderRequest) => {
  if ('stop' in m) {
    port.close();
    return;
  }
  let reply: LoaderReply;
  try {
    const samples = batchAt(train, cfg.seed, m.step * B, B, cfg.data.augment);
    reply = {
      step: m.step,
      batch: prepareBatch(samples, cfg.data.imageSize, init.numClasses, init.threads),
    };
  } catch (e) {
    reply = { step: m.step, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies LoaderReply);
