/**
 * Data-parallel gradient computation: the batch is split into T shards; the main thread
 * computes shard 0 and T-1 worker_threads (each with its own tfjs and model replica)
 * compute the others. Weights go to the workers and gradients come back through
 * SharedArrayBuffers (one flat Float32Array each, variables in the model's order); steps
 * are synchronised with Atomics (notify / wait in the worker, waitAsync on the main thread).
 * Each shard's loss uses the whole batch's normalizers, so the sum of the shards' gradients
 * (taken in shard order, hence deterministic for a given T) is the full-batch gradient.
 * A worker's shard is written by the main thread, or (`ownShards`) made by the worker itself
 * from its own copy of the training set, worker 1 making the first part of shard 0 too; the
 * main thread then reads each worker's object count (for the normalizers) and image ids, and
 * that part of its shard from worker 1's shared buffer. Either way the shards hold the same values.
 * With `shardedUpdate` each thread also sums and applies the gradients of its own share of the
 * variables (see StepperOptions.shardedUpdate and GradientStepper.sharded).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { addFloat32Into } from '@burnin/backend';
import { disposeOptimizerWeights, type ScheduledOptimizer } from '@burnin/tfjs-adapter';
import type { TrainConfig } from '../config.js';
import { type Detector, OUTPUT_STRIDE } from '../model/centernet.js';
import { detectionLoss, imagesToTensor, type LossNormalizers } from '../model/loss.js';
import { copyValues, heapView, tensorFromCopy } from '../model/tensor-data.js';
import * as tf from '../tf.js';
import { liveLoaderCount } from './loader.js';
import {
  CTRL,
  detectorConfig,
  type InputCaps,
  InputLayout,
  OUT_EXTRA,
  paramOffsets,
  REQUEST,
  SYNC,
  shardRanges,
  updateOwners,
  type WorkerInit,
} from './shard.js';
import { optimizerState, slotEntries } from './sharded-update.js';

/** A data-parallel worker failed (crashed, exited, or could not start). */
export class WorkerError extends TrainerError {
  override name = 'WorkerError';
}

import { TrainerError } from '../errors.js';
import type { BatchTargets } from '../model/targets.js';
import type { Shard, StepBatch } from './prepared-batch.js';

export {
  makeShard,
  type PreparedBatch,
  prepareBatch,
  type StepBatch,
  type WorkersStep,
} from './prepared-batch.js';

/** Summed gradients (tensors owned by the caller), loss and (heatmap, box) terms of a step. */
export interface StepResult {
  grads: tf.NamedTensorMap;
  loss: number;
  terms: number[];
  /** Image ids of the batch's samples, in batch order. */
  imageIds: number[];
}

/** Computes a step's gradients over T threads. */
export interface GradientStepper {
  readonly threads: number;
  /**
   * Main-thread milliseconds so far: `shard` (its own shard, gradients read back), `extra`
   * (whileWaiting), `wait` (waiting for the workers after that, and for the shards they make
   * themselves before the step), `io` (weights/inputs out,
   * gradient sum in); `worker`: the workers' compute time (sum over workers).
   */
  readonly timing: { shard: number; extra: number; wait: number; io: number; worker: number };
  /**
   * Gradients of the batch's loss at the model's current weights. `whileWaiting` runs on the
   * main thread after its own shard, while workers may still compute (e.g. the next batch).
   * A {@link WorkersStep} (the main thread's part of shard 0) needs a stepper created with
   * `ownShards`: the workers make the rest of its batch.
   */
  compute(batch: StepBatch, whileWaiting?: () => void, full?: boolean): Promise<StepResult>;
  /**
   * Whether the update is sharded over the threads (StepperOptions.shardedUpdate): then
   * compute() sums only the gradients of the main thread's own variables unless `full` (the
   * others are null in `grads`), the caller applies `ownGradients(grads)` with the optimizer
   * and then awaits `afterUpdate()`, and `syncOptimizer()` before reading the optimizer's state.
   */
  readonly sharded: boolean;
  /** `grads` with the variables other threads update set to null (sharded), else `grads`. */
  ownGradients(grads: tf.NamedTensorMap): tf.NamedTensorMap;
  /**
   * Sharded: after the main thread's update, waits for the workers' updates and copies their
   * variables' new values into the model. Else nothing.
   */
  afterUpdate(): Promise<void>;
  /**
   * Sharded: copies the workers' optimizer slots (e.g. Adam's moments) of their variables into
   * the main thread's optimizer, so that its getWeights() is the whole state. Else nothing.
   */
  syncOptimizer(): Promise<void>;
  /** Stops and terminates the workers (idempotent). */
  dispose(): Promise<void>;
  /** Test hook: worker `index` (1-based shard) throws at its next step. */
  injectWorkerFailure(index: number): void;
}

let liveWorkers = 0;
/** Worker threads (compute and data loader) started for training that have not exited yet. */
export function liveWorkerCount(): number {
  return liveWorkers + liveLoaderCount();
}

/** The built worker script: next to the bundle (dist/worker.js), or dist/ from src/train. */
export function workerScript(): URL {
  const candidates = [
    new URL('./worker.js', import.meta.url),
    new URL('../../dist/worker.js', import.meta.url),
  ];
  for (const u of candidates) {
    if (u.protocol === 'file:' && existsSync(fileURLToPath(u))) return u;
  }
  throw new WorkerError(
    `worker script not found (${candidates.map((u) => fileURLToPath(u)).join(', ')}); build the trainer: pnpm --filter @burnin/trainer build`,
  );
}

interface Handle {
  index: number;
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  /** Image ids of the worker's own shard (when it makes its own). */
  imageIds: Int32Array;
  out: Float32Array;
  /** Sharded update: where the worker exports its optimizer slots. */
  slots: Float32Array;
  input: InputLayout;
  error: WorkerError | null;
  failed: Promise<never>;
  stopping: boolean;
}

/** Options of {@link createGradientStepper}. */
export interface StepperOptions {
  cfg: TrainConfig;
  model: Detector;
  optimizer: ScheduledOptimizer;
  numClasses: number;
  threads: number;
  /** Backend for the workers (default: the main thread's `tf.getBackend()`). */
  backend?: string;
  /**
   * Each worker makes its own shard of every step from the training set the config
   * describes (it loads it itself, as loadDatasets does), so that compute() can take a
   * {@link WorkersStep} (worker 1 makes part of shard 0 as well). A worker that cannot load
   * the set fails createGradientStepper with a WorkerError that carries the loader's message.
   */
  ownShards?: boolean;
  /**
   * Shard the update too (ZeRO stage 1 style): each of the T threads sums all shards'
   * gradients of its share of the variables (consecutive ones, about P / T parameters, see
   * updateOwners), updates them with its own copy of the optimizer (made from the config,
   * started from `optimizer`'s state) and publishes their new values; the same operations
   * on the same values, so the same bits as the main thread updating everything. Ignored
   * with gradient clipping (`optimizer.clipNorm`: the global norm needs every gradient).
   * Callers follow the protocol of GradientStepper.sharded. After the first step only the
   * main thread's own variables are published from the model: the others are the workers'
   * (afterUpdate() overwrites them here), so set weights (e.g. restore a checkpoint) before
   * creating the stepper.
   */
  shardedUpdate?: boolean;
}

/** Starts the workers (T - 1 of them) and resolves when they are ready. */
export async function createGradientStepper(o: StepperOptions): Promise<GradientStepper> {
  const { cfg, model, optimizer } = o;
  const T = o.threads;
  const S = cfg.data.imageSize;
  const lw = cfg.train.lossWeights;
  const vars = model.variables;
  const P = vars.reduce((a, v) => a + v.size, 0);

  const single = async (batch: StepBatch): Promise<StepResult> => {
    if (!('shards' in batch))
      throw new WorkerError('a step made by the workers needs workers that make their own shards');
    const shard = batch.shards[0];
    const x = imagesToTensor(shard.images, S);
    let terms: tf.Tensor1D | null = null;
    const { value, grads } = optimizer.computeGradients(() => {
      const r = detectionLoss(model, x, shard.targets, lw);
      terms = tf.keep(r.terms);
      return r.total;
    }, vars);
    const termValues = Array.from((terms as unknown as tf.Tensor1D).dataSync());
    const loss = value.dataSync()[0];
    tf.dispose([x, value, terms as unknown as tf.Tensor]);
    return { grads, loss, terms: termValues, imageIds: batch.samples.map((s) => s.imageId) };
  };
  if (T === 1)
    return {
      threads: 1,
      timing: { shard: 0, extra: 0, wait: 0, io: 0, worker: 0 },
      compute: (batch) => single(batch),
      sharded: false,
      ownGradients: (grads) => grads,
      afterUpdate: async () => {},
      syncOptimizer: async () => {},
      dispose: async () => {},
      injectWorkerFailure: () => {},
    };

  const backend = o.backend ?? tf.getBackend();
  const script = workerScript();
  const ranges = shardRanges(cfg.train.batchSize, T);
  const maxShard = Math.max(...ranges.map(([a, b]) => b - a));
  const dims = { imageSize: S, cells: Math.floor(S / OUTPUT_STRIDE), classes: o.numClasses };
  const weightsBuf = new SharedArrayBuffer(P * 4);
  const weights = new Float32Array(weightsBuf);
  const normBuf = new SharedArrayBuffer(16);
  const norm = new Float64Array(normBuf);
  const handles: Handle[] = [];
  let disposed = false;
  // the sharded update: each thread's variables, shard 0's gradient buffer, the shared flags
  const sharded = Boolean(o.shardedUpdate) && optimizer.clipNorm === undefined;
  const owners = updateOwners(
    vars.map((v) => v.size),
    T,
  );
  const offsets = paramOffsets(vars.map((v) => v.size));
  const mainOwns = (i: number) => !sharded || (i >= owners[0][0] && i < owners[0][1]);
  const mainOutBuf = new SharedArrayBuffer(sharded ? P * 4 : 4);
  const mainOut = new Float32Array(mainOutBuf);
  const syncBuf = new SharedArrayBuffer(SYNC.size(T) * 4);
  const sync = new Int32Array(syncBuf);
  // each shard's gradients (+ OUT_EXTRA: loss, terms, ms); shard 0's only when sharded
  const outBufs: SharedArrayBuffer[] = [mainOutBuf];
  for (let k = 1; k < T; k++) outBufs.push(new SharedArrayBuffer((P + OUT_EXTRA) * 4));
  const initialState = sharded ? await optimizerState(optimizer) : null;

  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    for (const h of handles) {
      h.stopping = true;
      Atomics.store(h.ctrl, CTRL.stop, 1);
      Atomics.add(h.ctrl, CTRL.seq, 1);
      Atomics.notify(h.ctrl, CTRL.seq);
    }
    await Promise.all(handles.map((h) => h.worker.terminate()));
    for (const h of handles) h.port.close();
  };

  try {
    const ready: Promise<void>[] = [];
    for (let k = 1; k < T; k++) {
      const caps: InputCaps = {
        images: maxShard,
        objects: maxShard * Math.max(8, cfg.data.maxObjects),
      };
      const input = new InputLayout(
        new SharedArrayBuffer(InputLayout.bytes(caps, dims)),
        caps,
        dims,
      );
      const ctrlBuf = new SharedArrayBuffer(CTRL.size * 4);
      const ctrl = new Int32Array(ctrlBuf);
      ctrl[CTRL.madeStep] = -1;
      ctrl[CTRL.making] = -1;
      const range = ranges[k];
      const imageIds = new SharedArrayBuffer((range[1] - range[0]) * 4);
      const outBuf = outBufs[k];
      // room for two slots (Adam's moments) per parameter of the worker's variables
      const [from, to] = owners[k];
      const slotsBuf = new SharedArrayBuffer(
        sharded ? Math.max(1, 2 * (offsets[to] - offsets[from])) * 4 : 4,
      );
      const { port1, port2 } = new MessageChannel();
      const init: WorkerInit = {
        index: k,
        backend,
        model: detectorConfig(cfg, o.numClasses),
        seed: cfg.seed,
        lossWeights: lw,
        weights: weightsBuf,
        out: outBuf,
        ctrl: ctrlBuf,
        input: input.buffer,
        caps,
        dims,
        norm: normBuf,
        port: port2,
        ...(o.ownShards
          ? { data: { config: cfg, numClasses: o.numClasses, range, imageIds } }
          : {}),
        ...(sharded
          ? {
              update: {
                config: cfg,
                owners,
                outs: outBufs,
                sync: syncBuf,
                state: initialState,
                slots: slotsBuf,
              },
            }
          : {}),
      };
      const worker = new Worker(script, { workerData: init, transferList: [port2] });
      liveWorkers++;
      const h: Handle = {
        index: k,
        worker,
        port: port1,
        ctrl,
        imageIds: new Int32Array(imageIds),
        out: new Float32Array(outBuf),
        slots: new Float32Array(slotsBuf),
        input,
        error: null,
        failed: Promise.resolve() as unknown as Promise<never>,
        stopping: false,
      };
      h.failed = new Promise<never>((_, reject) => {
        const fail = (why: string) => {
          if (h.stopping || h.error) return;
          h.error = new WorkerError(`training worker ${k} (shard ${k} of ${T}) failed: ${why}`);
          reject(h.error);
        };
        worker.on('error', (e) => fail(e instanceof Error ? e.message : String(e)));
        worker.on('exit', (code) => {
          liveWorkers--;
          fail(`exited with code ${code}`);
        });
      });
      h.failed.catch(() => {});
      handles.push(h);
      ready.push(
        Promise.race([
          new Promise<void>((resolve) => port1.once('message', () => resolve())),
          h.failed,
        ]),
      );
    }
    await Promise.all(ready);
  } catch (e) {
    await dispose();
    throw e;
  }

  /** Resolves when `ctrl[index]` holds `value` (throws the worker's error if it fails). */
  const waitFor = (h: Handle, index: number, value: number): Promise<void> =>
    waitOn(h, h.ctrl, index, (cur) => cur === value);
  /** Resolves when `pass(flags[index])` (throws worker `h`'s error if it fails). */
  const waitOn = async (
    h: Handle,
    flags: Int32Array,
    index: number,
    pass: (cur: number) => boolean,
  ): Promise<void> => {
    const A = Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown };
    };
    for (;;) {
      if (h.error) throw h.error;
      const cur = Atomics.load(flags, index);
      if (pass(cur)) return;
      const w = A.waitAsync(flags, index, cur, 1000);
      if (w.async) await Promise.race([w.value as Promise<string>, h.failed]);
    }
  };

  /** Sends request `kind` (one of REQUEST, about step `step`); returns its sequence number. */
  const request = (h: Handle, kind: number, step: number): number => {
    Atomics.store(h.ctrl, CTRL.request, kind);
    Atomics.store(h.ctrl, CTRL.step, step);
    const seq = Atomics.add(h.ctrl, CTRL.seq, 1) + 1;
    Atomics.notify(h.ctrl, CTRL.seq);
    return seq;
  };

  const send = (h: Handle, shard: Shard) => {
    const t = shard.targets;
    if (t.count > h.input.caps.objects) {
      const caps = {
        images: h.input.caps.images,
        objects: Math.max(t.count, 2 * h.input.caps.objects),
      };
      h.input = new InputLayout(new SharedArrayBuffer(InputLayout.bytes(caps, dims)), caps, dims);
      h.port.postMessage({ input: h.input.buffer, caps });
      Atomics.store(h.ctrl, CTRL.resized, 1);
    }
    h.input.write(shard.images, t);
    Atomics.store(h.ctrl, CTRL.images, shard.images.length);
    Atomics.store(h.ctrl, CTRL.count, t.count);
    return request(h, REQUEST.sentShard, 0);
  };

  /**
   * Waits until worker `h` has made its own shard of `step` (asking for it unless it is
   * made or being made: it makes step s + 1 by itself after step s); returns its object
   * count and image ids.
   */
  const workerShard = async (h: Handle, step: number) => {
    const c = h.ctrl;
    if (Atomics.load(c, CTRL.madeStep) !== step && Atomics.load(c, CTRL.making) !== step)
      request(h, REQUEST.makeShard, step);
    await waitFor(h, CTRL.madeStep, step);
    return { count: Atomics.load(c, CTRL.madeCount), imageIds: Array.from(h.imageIds) };
  };

  const timing = { shard: 0, extra: 0, wait: 0, io: 0, worker: 0 };
  /** The summed gradients where they are not summed in place, reused every step. */
  const flat = new Float32Array(P);
  /** Whether `ts` are float32 tensors on the wasm heap, none sharing its data with another. */
  const ownsDistinctHeapData = (ts: tf.Tensor[]) => {
    const ids = new Set<object>();
    for (const t of ts) {
      if (!heapView(t) || ids.has(t.dataId)) return false;
      ids.add(t.dataId);
    }
    return true;
  };
  /** Gradient requests so far (CTRL.gen, the sharded update's flags). */
  let gen = 0;
  /** Sharded: a compute() whose update afterUpdate() has not finished yet. */
  let pending = false;
  const compute = async (batch: StepBatch, whileWaiting?: () => void, full = false) => {
    if (disposed) throw new WorkerError('the training workers were stopped');
    if (pending)
      throw new WorkerError(
        "the previous step's sharded update was not finished (afterUpdate): the threads' weights differ",
      );
    const t0 = performance.now();
    gen++;
    let count: number;
    let imageIds: number[];
    let seqs: number[];
    let tm = 0;
    // shard 0, the main thread's: its images and targets
    let targets: BatchTargets;
    let images: Float32Array[];
    if ('shards' in batch) {
      images = batch.shards[0].images;
      targets = batch.shards[0].targets;
      count = batch.count;
      imageIds = batch.samples.map((s) => s.imageId);
    } else {
      if (!o.ownShards)
        throw new WorkerError(
          'a step made by the workers needs workers that make their own shards',
        );
      count = 0;
      imageIds = [];
      for (const h of handles) {
        const m0 = performance.now();
        const made = await workerShard(h, batch.step);
        tm += performance.now() - m0;
        count += made.count;
        imageIds.push(...made.imageIds);
      }
      images = batch.shard0.images;
      targets = batch.shard0.targets;
      count += targets.count;
      imageIds.unshift(...batch.shard0.imageIds);
    }
    // the weights the workers read: sharded, after the first step only the main thread's
    // own variables changed here (each worker wrote its own)
    vars.forEach((v, i) => {
      if (gen === 1 || mainOwns(i)) copyValues(v, weights, offsets[i]);
    });
    const n: LossNormalizers = { heatmap: Math.max(1, count), box: count };
    norm[0] = n.heatmap;
    norm[1] = n.box;
    for (const h of handles) Atomics.store(h.ctrl, CTRL.gen, gen);
    if ('shards' in batch) seqs = handles.map((h, i) => send(h, batch.shards[i + 1]));
    else {
      const step = batch.step;
      seqs = handles.map((h) => request(h, REQUEST.ownShard, step));
    }
    if (sharded) pending = true;
    const t1 = performance.now();
    // shard 0 on the main thread
    const x = imagesToTensor(images, S);
    let termsT: tf.Tensor1D | null = null;
    const { value, grads } = optimizer.computeGradients(() => {
      const r = detectionLoss(model, x, targets, lw, n);
      termsT = tf.keep(r.terms);
      return r.total;
    }, vars);
    const terms = Array.from((termsT as unknown as tf.Tensor1D).dataSync());
    let loss = value.dataSync()[0];
    tf.dispose([x, value, termsT as unknown as tf.Tensor]);
    // sharded: the gradients of the workers' variables go to them
    if (sharded) {
      vars.forEach((v, i) => {
        if (!mainOwns(i)) copyValues(grads[v.name], mainOut, offsets[i]);
      });
      Atomics.store(sync, SYNC.written(0), gen);
      Atomics.notify(sync, SYNC.written(0));
    }
    /** The variables whose gradients are summed here (sharded: the main thread's, or all when `full`). */
    const sums = (i: number) => full || mainOwns(i);
    // on wasm the workers' gradients are added into shard 0's gradient tensors in place (each
    // is its own fresh tensor: checked), else into a copy of them
    const inPlace = ownsDistinctHeapData(vars.map((v) => grads[v.name]));
    if (!inPlace) {
      vars.forEach((v, i) => {
        if (sums(i)) copyValues(grads[v.name], flat, offsets[i]);
      });
      tf.dispose(Object.values(grads));
    }
    const t2 = performance.now();
    whileWaiting?.();
    const t3 = performance.now();
    let tw = 0;
    for (let i = 0; i < handles.length; i++) {
      const h = handles[i];
      const w0 = performance.now();
      if (Atomics.load(h.ctrl, CTRL.done) !== seqs[i]) await waitFor(h, CTRL.done, seqs[i]);
      tw += performance.now() - w0;
      const g = h.out;
      vars.forEach((v, vi) => {
        if (!sums(vi)) return;
        const off = offsets[vi];
        const view = inPlace
          ? (heapView(grads[v.name]) as Float32Array)
          : flat.subarray(off, off + v.size);
        addFloat32Into(view, g.subarray(off, off + v.size));
      });
      loss += g[P];
      terms[0] += g[P + 1];
      terms[1] += g[P + 2];
      timing.worker += g[P + 3];
    }
    const out: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      if (!sums(i)) {
        if (inPlace) grads[v.name].dispose();
        (out as Record<string, tf.Tensor | null>)[v.name] = null;
      } else if (inPlace) out[v.name] = grads[v.name];
      else out[v.name] = tensorFromCopy(flat.subarray(offsets[i], offsets[i] + v.size), v.shape);
    });
    const t4 = performance.now();
    timing.shard += t2 - t1;
    timing.extra += t3 - t2;
    timing.wait += tw + tm;
    timing.io += t1 - t0 - tm + (t4 - t3 - tw);
    return { grads: out, loss, terms, imageIds };
  };

  const ownGradients = (grads: tf.NamedTensorMap): tf.NamedTensorMap => {
    if (!sharded) return grads;
    const own: Record<string, tf.Tensor | null> = {};
    vars.forEach((v, i) => {
      own[v.name] = mainOwns(i) ? grads[v.name] : null;
    });
    return own as tf.NamedTensorMap;
  };

  const afterUpdate = async () => {
    if (!pending) return;
    const t0 = performance.now();
    for (const h of handles) await waitOn(h, sync, SYNC.updated(h.index), (c) => c >= gen);
    const t1 = performance.now();
    tf.tidy(() => {
      vars.forEach((v, i) => {
        if (!mainOwns(i))
          v.assign(tensorFromCopy(weights.subarray(offsets[i], offsets[i] + v.size), v.shape));
      });
    });
    pending = false;
    timing.wait += t1 - t0;
    timing.io += performance.now() - t1;
  };

  const syncOptimizer = async () => {
    if (!sharded) return;
    if (pending) throw new WorkerError('syncOptimizer() between compute() and afterUpdate()');
    const ws = await optimizer.getWeights();
    try {
      for (const h of handles) {
        if (disposed) throw new WorkerError('the training workers were stopped');
        await waitFor(h, CTRL.done, request(h, REQUEST.exportSlots, 0));
        const [from, to] = owners[h.index];
        let off = 0;
        for (const e of slotEntries(
          ws,
          vars.slice(from, to).map((v) => v.name),
        )) {
          const values = h.slots.subarray(off, off + e.tensor.size);
          tf.tidy(() => (e.tensor as tf.Variable).assign(tensorFromCopy(values, e.tensor.shape)));
          off += e.tensor.size;
        }
      }
    } finally {
      disposeOptimizerWeights(ws);
    }
  };

  return {
    threads: T,
    timing,
    compute,
    sharded,
    ownGradients,
    afterUpdate,
    syncOptimizer,
    dispose,
    injectWorkerFailure: (index: number) => {
      const h = handles[index - 1];
      if (h) Atomics.store(h.ctrl, CTRL.crash, 1);
    },
  };
}
