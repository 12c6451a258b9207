/**
 * A data-parallel training worker (worker_threads). It owns a tfjs engine and a replica of
 * the detector; each step it reads the current weights from shared memory, computes its
 * shard's loss (with the whole batch's normalizers) and writes the gradients, in the model's
 * variable order, to its output buffer. The shard is either written by the main thread into
 * the input buffer, or (WorkerInit.data) made by the worker itself from its own copy of the
 * training set: right after the gradients of step s it makes its shard of step s + 1, while
 * the main thread sums the gradients and updates the weights.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type InitBackendOptions, initBackend, registerTrainingKernels } from '@burnin/backend';
import '@tensorflow/tfjs-backend-wasm';
import { loadDatasets } from '../data/batches.js';
import type { DetectionDataset } from '../data/types.js';
import { createDetector } from '../model/centernet.js';
import { detectionLoss, imagesToTensor } from '../model/loss.js';
import type { BatchTargets } from '../model/targets.js';
import { copyValues, heapView, tensorFromCopy } from '../model/tensor-data.js';
import * as tf from '../tf.js';
import { makeShard } from './prepared-batch.js';
import { CTRL, InputLayout, REQUEST, readNorm, type WorkerInit } from './shard.js';

const init = workerData as WorkerInit;
let trainSet: DetectionDataset | null = null;

async function start(): Promise<void> {
  // `threads: 1`: each worker is one of the data-parallel threads
  const options: InitBackendOptions = { log: () => {}, threads: 1 };
  if (init.backend === 'tensorflow')
    options.loadTensorflow = () => import('@tensorflow/tfjs-node' as string);
  await initBackend(init.backend as 'wasm', options);
  registerTrainingKernels();
  if (tf.getBackend() !== init.backend)
    throw new Error(`backend ${tf.getBackend()} instead of ${init.backend}`);
  if (init.data) trainSet = (await loadDatasets(init.data.config)).train;
}

/** The worker's own shard of a step: its images (NHWC each) and targets. */
interface OwnShard {
  step: number;
  images: Float32Array[];
  targets: BatchTargets;
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
  const px = S * S * 3;
  let own: OwnShard | null = null;

  /**
   * Makes the own shard of `step` and publishes its object count and image ids.
   */
  const make = (step: number) => {
    const data = init.data;
    if (!data || !trainSet) throw new Error('this worker does not make its own shards');
    Atomics.store(ctrl, CTRL.making, step);
    const s = makeShard(trainSet, data.config, data.numClasses, step, data.range);
    own = { step, images: s.images, targets: s.targets };
    new Int32Array(data.imageIds).set(s.imageIds);
    Atomics.store(ctrl, CTRL.madeCount, s.targets.count);
    Atomics.store(ctrl, CTRL.madeStep, step);
    Atomics.store(ctrl, CTRL.making, -1);
    Atomics.notify(ctrl, CTRL.madeStep);
  };

  /** Gradients of a shard (images `x`, disposed here) at the shared weights, written to `out`. */
  const gradients = (x: tf.Tensor4D, targets: BatchTargets, t0: number) => {
    tf.tidy(() => {
      let off = 0;
      for (const v of vars) {
        const values = weights.subarray(off, off + v.size);
        // on wasm straight into the variable's memory (the variable is its data's only
        // holder between steps), else a new tensor
        const view = heapView(v);
        if (view) view.set(values);
        else v.assign(tensorFromCopy(values, v.shape));
        off += v.size;
      }
    });
    let terms: tf.Tensor1D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const r = detectionLoss(model, x, targets, init.lossWeights, readNorm(norm));
      terms = tf.keep(r.terms);
      return r.total;
    }, vars);
    let off = 0;
    for (const v of vars) {
      copyValues(grads[v.name], out, off);
      off += v.size;
    }
    const t = (terms as unknown as tf.Tensor1D).dataSync();
    out[P] = value.dataSync()[0];
    out[P + 1] = t[0];
    out[P + 2] = t[1];
    tf.dispose([x, value, terms as unknown as tf.Tensor, ...Object.values(grads)]);
    out[P + 3] = performance.now() - t0;
  };

  let seq = 0;
  init.port.postMessage({ type: 'ready' });
  for (;;) {
    Atomics.wait(ctrl, CTRL.seq, seq);
    seq = Atomics.load(ctrl, CTRL.seq);
    if (Atomics.load(ctrl, CTRL.stop)) break;
    const request = Atomics.load(ctrl, CTRL.request);
    const step = Atomics.load(ctrl, CTRL.step);
    if (request === REQUEST.makeShard) {
      if ((own as OwnShard | null)?.step !== step) make(step);
      continue;
    }
    if (Atomics.load(ctrl, CTRL.resized)) {
      let m = receiveMessageOnPort(init.port);
      while (!m) {
        Atomics.wait(ctrl, CTRL.sleep, 0, 1);
        m = receiveMessageOnPort(init.port);
      }
      const msg = m.message as { input: SharedArrayBuffer; caps: WorkerInit['caps'] };
      input = new InputLayout(msg.input, msg.caps, init.dims);
      Atomics.store(ctrl, CTRL.resized, 0);
    }
    if (Atomics.load(ctrl, CTRL.crash)) throw new Error('injected worker failure');
    const t0 = performance.now();
    if (request === REQUEST.ownShard) {
      const shard = own as OwnShard | null;
      if (shard?.step !== step)
        throw new Error(`asked for the gradients of step ${step} before its shard was made`);
      gradients(imagesToTensor(shard.images, S), shard.targets, t0);
    } else {
      const n = Atomics.load(ctrl, CTRL.images);
      const count = Atomics.load(ctrl, CTRL.count);
      const x = tensorFromCopy(input.images.subarray(0, n * px), [n, S, S, 3]) as tf.Tensor4D;
      gradients(x, input.targets(n, count), t0);
    }
    Atomics.store(ctrl, CTRL.done, seq);
    Atomics.notify(ctrl, CTRL.done);
    // the next step's shard while the main thread sums the gradients and updates the weights
    if (request === REQUEST.ownShard && init.data && step + 1 < init.data.config.train.steps)
      make(step + 1);
  }
  model.dispose();
  init.port.close();
}

await start();
loop();
