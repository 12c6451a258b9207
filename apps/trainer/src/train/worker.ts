/**
 * A data-parallel training worker (worker_threads). It owns a tfjs engine and a replica of
 * the detector; each step it reads the current weights from shared memory, computes its
 * shard's loss (with the whole batch's normalizers) and writes the gradients, in the model's
 * variable order, to its output buffer. The shard is either written by the main thread into
 * the input buffer, or (WorkerInit.data) made by the worker itself from its own copy of the
 * training set: right after the gradients of step s it makes its shard of step s + 1, while
 * the main thread finishes the step. With a sharded update (WorkerInit.update) the worker
 * first sums and applies the gradients of its own share of the variables.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type InitBackendOptions, initBackend, registerTrainingKernels } from '@burnin/backend';
import '@tensorflow/tfjs-backend-wasm';
import { disposeOptimizerWeights, type ScheduledOptimizer } from '@burnin/tfjs-adapter';
import { buildSchedule } from '../config.js';
import { loadDatasets } from '../data/batches.js';
import type { DetectionDataset } from '../data/types.js';
import { createDetector } from '../model/centernet.js';
import { detectionLoss, imagesToTensor } from '../model/loss.js';
import type { BatchTargets } from '../model/targets.js';
import { copyValues, heapView, tensorFromCopy } from '../model/tensor-data.js';
import * as tf from '../tf.js';
import { makeShard } from './prepared-batch.js';
import { optimizerFromConfig } from './setup.js';
import {
  CTRL,
  InputLayout,
  paramOffsets,
  REQUEST,
  readNorm,
  SYNC,
  type WorkerInit,
} from './shard.js';
import { restoreOptimizerState, slotEntries, sumShards, waitFlag } from './sharded-update.js';

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

async function loop(): Promise<void> {
  const model = createDetector(init.model, init.seed);
  const vars = model.variables;
  const offsets = paramOffsets(vars.map((v) => v.size));
  const P = offsets[vars.length];
  const up = init.update;
  let optimizer: ScheduledOptimizer | null = null;
  if (up) {
    optimizer = optimizerFromConfig(up.config, buildSchedule(up.config));
    if (up.state) await restoreOptimizerState(optimizer, up.state);
  }
  const [ownFrom, ownTo] = up ? up.owners[init.index] : [0, 0];
  const owns = (i: number) => i >= ownFrom && i < ownTo;
  const sync = up ? new Int32Array(up.sync) : new Int32Array(0);
  const outs = up ? up.outs.map((b) => new Float32Array(b)) : [];
  const summed = up ? new Float32Array(P) : new Float32Array(0);
  /** Whether the worker's variables hold weights (then a sharded update loads only the others'). */
  let loaded = false;
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
      vars.forEach((v, i) => {
        // a sharded update leaves this worker's own variables as its optimizer made them
        if (loaded && owns(i)) return;
        const values = weights.subarray(offsets[i], offsets[i] + v.size);
        // on wasm straight into the variable's memory (the variable is its data's only
        // holder between steps), else a new tensor
        const view = heapView(v);
        if (view) view.set(values);
        else v.assign(tensorFromCopy(values, v.shape));
      });
    });
    loaded = up != null;
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

  const stopped = () => Atomics.load(ctrl, CTRL.stop) === 1;
  /**
   * The sharded update of generation `gen`, after this worker's gradients are written: waits
   * for every other shard's, sums its own variables' gradients in shard order, updates them
   * with its optimizer and writes their new values to the weights buffer. False when stopped.
   */
  const update = (gen: number): boolean => {
    const u = up as NonNullable<typeof up>;
    const k = init.index;
    Atomics.store(sync, SYNC.written(k), gen);
    Atomics.notify(sync, SYNC.written(k));
    for (let j = 0; j < u.owners.length; j++)
      if (j !== k && !waitFlag(sync, SYNC.written(j), gen, stopped)) return false;
    const grads: Record<string, tf.Tensor | null> = {};
    vars.forEach((v, i) => {
      grads[v.name] = null;
      if (!owns(i)) return;
      sumShards(outs, offsets[i], v.size, summed);
      grads[v.name] = tensorFromCopy(summed.subarray(offsets[i], offsets[i] + v.size), v.shape);
    });
    (optimizer as ScheduledOptimizer).applyGradients(grads as tf.NamedTensorMap);
    tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g != null));
    for (let i = ownFrom; i < ownTo; i++) copyValues(vars[i], weights, offsets[i]);
    Atomics.store(sync, SYNC.updated(k), gen);
    Atomics.notify(sync, SYNC.updated(k));
    return true;
  };

  /** Writes the optimizer slots of the worker's own variables into `up.slots`, in list order. */
  const exportSlots = async () => {
    const u = up as NonNullable<typeof up>;
    const opt = optimizer as ScheduledOptimizer;
    const ws = await opt.getWeights();
    const names = vars.slice(ownFrom, ownTo).map((v) => v.name);
    const slots = new Float32Array(u.slots);
    let off = 0;
    for (const e of slotEntries(ws, names)) {
      if (off + e.tensor.size > slots.length) throw new Error('the slot buffer is too small');
      copyValues(e.tensor, slots, off);
      off += e.tensor.size;
    }
    disposeOptimizerWeights(ws);
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
    if (request === REQUEST.exportSlots) {
      await exportSlots();
      Atomics.store(ctrl, CTRL.done, seq);
      Atomics.notify(ctrl, CTRL.done);
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
    if (up && !update(Atomics.load(ctrl, CTRL.gen))) break;
    // the next step's shard while the main thread finishes the step
    if (request === REQUEST.ownShard && init.data && step + 1 < init.data.config.train.steps)
      make(step + 1);
  }
  model.dispose();
  optimizer?.dispose();
  init.port.close();
}

await start();
await loop();
