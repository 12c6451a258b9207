/**
 * A data-parallel training worker (worker_threads). It owns a tfjs engine and a replica of
 * the detector; each step it reads the current weights and its shard of the batch from
 * shared memory, computes the shard's loss (with the whole batch's normalizers) and writes
 * the gradients, in the model's variable order, to its output buffer.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type InitBackendOptions, initBackend, registerTrainingKernels } from '@burnin/backend';
import '@tensorflow/tfjs-backend-wasm';
import { createDetector } from '../model/centernet.js';
import { detectionLoss } from '../model/loss.js';
import * as tf from '../tf.js';
import { CTRL, InputLayout, readNorm, type WorkerInit } from './shard.js';

const init = workerData as WorkerInit;

async function start(): Promise<void> {
  // `threads: 1`: each worker is one of the data-parallel threads
  const options: InitBackendOptions = { log: () => {}, threads: 1 };
  if (init.backend === 'tensorflow')
    options.loadTensorflow = () => import('@tensorflow/tfjs-node' as string);
  await initBackend(init.backend as 'wasm', options);
  registerTrainingKernels();
  if (tf.getBackend() !== init.backend)
    throw new Error(`backend ${tf.getBackend()} instead of ${init.backend}`);
}

function loop(): void {
  const model = createDetector(init.model, init.seed);
  const vars = model.variables;
  const P = vars.reduce((a, v) => a + v.size, 0);
  const ctrl = new Int32Array(init.ctrl);
  const weights = new Float32Array(init.weights);
  const out = new Float32Array(init.out);
  const norm = new Float64Array(init.norm);
  let input = new InputLayout(init.input, init.caps, init.dims);
  const S = init.dims.imageSize;
  let seq = 0;
  init.port.postMessage({ type: 'ready' });
  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    seq = Atomics.load(ctrl, CTRL.seq);
    if (Atomics.load(ctrl, CTRL.stop)) break;
    if (Atomics.load(ctrl, CTRL.resized)) {
      let m = receiveMessageOnPort(init.port);
      while (!m) {
        Atomics.wait(ctrl, CTRL.size - 1, 0, 1);
        m = receiveMessageOnPort(init.port);
      }
      const msg = m.message as { input: SharedArrayBuffer; caps: WorkerInit['caps'] };
      input = new InputLayout(msg.input, msg.caps, init.dims);
      Atomics.store(ctrl, CTRL.resized, 0);
    }
    if (Atomics.load(ctrl, CTRL.crash)) throw new Error('injected worker failure');
    const t0 = performance.now();
    const n = Atomics.load(ctrl, CTRL.images);
    const count = Atomics.load(ctrl, CTRL.count);
    tf.tidy(() => {
      let off = 0;
      for (const v of vars) {
        v.assign(tf.tensor(weights.slice(off, off + v.size), v.shape));
        off += v.size;
      }
    });
    const x = tf.tensor4d(input.images.slice(0, n * S * S * 3), [n, S, S, 3]);
    const targets = input.targets(n, count);
    let terms: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const r = detectionLoss(model, x, targets, init.lossWeights, readNorm(norm));
      terms = tf.keep(r.terms);
      return r.total;
    }, vars);
    let off = 0;
    for (const v of vars) {
      out.set(grads[v.name].dataSync() as Float32Array, off);
      off += v.size;
    }
    const t = (terms as unknown as tf.Tensor1D).dataSync();
    out[P] = value.dataSync()[0];
    out[P + 1] = t[0];
    out[P + 2] = t[1];
    tf.dispose([x, value, terms as unknown as tf.Tensor, ...Object.values(grads)]);
    out[P + 3] = performance.now() - t0;
    Atomics.store(ctrl, CTRL.done, seq);
    Atomics.notify(ctrl, CTRL.done);
  }
  model.dispose();
  init.port.close();
}

await start();
loop();
