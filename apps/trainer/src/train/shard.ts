/**
 * What the main thread and the data-parallel workers share: the split of a batch into
 * shards, the control block indices and the layout of a worker's input buffer.
 */
import type { MessagePort } from 'node:worker_threads';
import type { TrainConfig } from '../config.js';
import type { ModelConfig } from '../model/centernet.js';
import type { LossNormalizers, LossWeights } from '../model/loss.js';
import type { BatchTargets } from '../model/targets.js';

/** `[start, end)` image ranges of T shards of a batch of B: shard i = [i*B/T, (i+1)*B/T). */
export function shardRanges(B: number, T: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < T; i++) out.push([Math.floor((i * B) / T), Math.floor(((i + 1) * B) / T)]);
  return out;
}

/** The detector architecture of a run config. */
export function detectorConfig(cfg: TrainConfig, numClasses: number): ModelConfig {
  return {
    inputSize: cfg.data.imageSize,
    numClasses,
    widths: cfg.model.widths as [number, number, number],
    headWidth: cfg.model.headWidth,
  };
}

/** Indices into a worker's Int32 control block. */
export const CTRL = {
  /** Request counter: the main thread increments it (and notifies) to send a request. */
  seq: 0,
  /** The worker stores the request counter here when its gradients are written. */
  done: 1,
  images: 2,
  count: 3,
  /** 1: the worker must stop (leave its loop). */
  stop: 4,
  /** 1: a new input buffer was posted on the worker's port (read it before the step). */
  resized: 5,
  /** Test hook: 1 makes the worker throw at the next step. */
  crash: 6,
  /** The request: one of {@link REQUEST}. */
  request: 7,
  /** The step a `makeShard` / `ownShard` request is about. */
  step: 8,
  /** Step whose shard the worker has made (-1: none yet); notified when it changes. */
  madeStep: 9,
  /** Objects in that shard. */
  madeCount: 10,
  /** Step whose shard the worker is making now (-1: none). */
  making: 11,
  /** Always 0: a slot for short sleeps (Atomics.wait with a timeout). */
  sleep: 12,
  /**
   * The step's generation (1, 2, ...: one per gradient request) for the sharded update's
   * flags (see {@link SYNC}).
   */
  gen: 13,
  size: 16,
} as const;

/** What the main thread asks of a worker (CTRL.request). */
export const REQUEST = {
  /** Gradients of the shard the main thread wrote into the input buffer. */
  sentShard: 0,
  /** Make the worker's own shard of step CTRL.step (see WorkerInit.data). */
  makeShard: 1,
  /** Gradients of the worker's own shard of step CTRL.step (made before). */
  ownShard: 2,
  /**
   * Sharded update: write the optimizer slots of the variables the worker updates into
   * WorkerInit.update.slots (they go into the main thread's optimizer before a checkpoint).
   */
  exportSlots: 3,
} as const;

/**
 * Int32 flags of the sharded update shared by all threads (thread i = shard i, 0 the main
 * thread): each holds the generation (CTRL.gen) it last reached, and is notified.
 */
export const SYNC = {
  /** Thread i's gradients of the generation are in its output buffer. */
  written: (i: number) => 2 * i,
  /** Thread i has updated its variables and written their new values to the weights buffer. */
  updated: (i: number) => 2 * i + 1,
  size: (T: number) => 2 * T,
} as const;

/**
 * Where each variable starts in the flat parameter buffers (model order), and the total
 * after the last one: `sizes.length + 1` prefix sums, so `[at[i], at[i + 1])` is variable
 * i's range and `at[to] - at[from]` the parameters of variables `[from, to)`.
 */
export function paramOffsets(sizes: readonly number[]): number[] {
  const at = [0];
  for (const n of sizes) at.push(at[at.length - 1] + n);
  return at;
}

/**
 * The variables each of T threads updates in a sharded update: `[from, to)` index ranges of
 * consecutive variables (model order), thread 0 first, cut where the running parameter count
 * comes closest to an equal share per thread. A thread may get none (`from === to`) when
 * there are fewer variables than threads.
 */
export function updateOwners(sizes: readonly number[], T: number): [number, number][] {
  const total = sizes.reduce((a, n) => a + n, 0);
  const out: [number, number][] = [];
  let from = 0;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    let to = from;
    if (t === T - 1) to = sizes.length;
    else {
      const target = (total * (t + 1)) / T;
      // take variables while that brings the running count closer to the target
      while (to < sizes.length && Math.abs(sum + sizes[to] - target) <= Math.abs(sum - target)) {
        sum += sizes[to];
        to++;
      }
    }
    out.push([from, to]);
    from = to;
  }
  return out;
}

/** Extra floats after the gradients in a worker's output buffer: loss, heatmap, box, ms. */
export const OUT_EXTRA = 4;

/** Capacities of a worker input buffer. */
export interface InputCaps {
  images: number;
  objects: number;
}

/** Float32 / Int32 views of a worker input buffer (images, heatmap, boxes; centers). */
export class InputLayout {
  readonly images: Float32Array;
  readonly heatmap: Float32Array;
  readonly boxes: Float32Array;
  readonly centers: Int32Array;
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly caps: InputCaps,
    readonly dims: { imageSize: number; cells: number; classes: number },
  ) {
    const im = caps.images * dims.imageSize * dims.imageSize * 3;
    const hm = caps.images * dims.cells * dims.cells * dims.classes;
    this.images = new Float32Array(buffer, 0, im);
    this.heatmap = new Float32Array(buffer, im * 4, hm);
    this.boxes = new Float32Array(buffer, (im + hm) * 4, caps.objects * 4);
    this.centers = new Int32Array(buffer, (im + hm + caps.objects * 4) * 4, caps.objects * 3);
  }
  static bytes(caps: InputCaps, dims: InputLayout['dims']): number {
    const im = caps.images * dims.imageSize * dims.imageSize * 3;
    const hm = caps.images * dims.cells * dims.cells * dims.classes;
    return (im + hm + caps.objects * 7) * 4;
  }
  /** Writes a shard (images and targets; at most `caps` of each) into the buffer. */
  write(images: readonly Float32Array[], t: BatchTargets): void {
    const px = this.dims.imageSize * this.dims.imageSize * 3;
    images.forEach((im, i) => {
      this.images.set(im, i * px);
    });
    this.heatmap.set(t.heatmap);
    this.boxes.set(t.boxes);
    this.centers.set(t.centers);
  }
  /** The targets of `n` images with `count` objects (copies, not views of shared memory). */
  targets(n: number, count: number): BatchTargets {
    const { cells, classes } = this.dims;
    return {
      heatmap: this.heatmap.slice(0, n * cells * cells * classes),
      centers: this.centers.slice(0, count * 3),
      boxes: this.boxes.slice(0, count * 4),
      count,
      shape: [n, cells, cells, classes],
    };
  }
}

/** `workerData` of a data-parallel worker. */
export interface WorkerInit {
  index: number;
  backend: string;
  model: ModelConfig;
  seed: number;
  lossWeights: LossWeights;
  weights: SharedArrayBuffer;
  out: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  input: SharedArrayBuffer;
  caps: InputCaps;
  dims: InputLayout['dims'];
  /** Float64 [2]: the loss normalizers of the current step (whole batch). */
  norm: SharedArrayBuffer;
  port: MessagePort;
  /**
   * When set, the worker makes its own shard (images [a, b) of each step's batch) from the
   * run's training set, which it loads itself from `config`, and writes the shard's image ids
   * into `imageIds` (Int32, b - a of them); CTRL.madeStep says when.
   */
  data?: {
    config: TrainConfig;
    numClasses: number;
    range: [number, number];
    imageIds: SharedArrayBuffer;
  };
  /**
   * Sharded update: the worker also sums all shards' gradients of its variables
   * (`owners[index]`), updates them with its own optimizer (made from `config` and started
   * from `state`, the main thread's optimizer state) and writes their new values to `weights`.
   */
  update?: {
    config: TrainConfig;
    /** Variable index range each thread updates (see {@link updateOwners}). */
    owners: [number, number][];
    /** Each shard's gradient buffer (Float32, the parameters in model order), shard order. */
    outs: SharedArrayBuffer[];
    /** Int32 flags, see {@link SYNC}. */
    sync: SharedArrayBuffer;
    /**
     * The main thread's optimizer weights (ScheduledOptimizer.getWeights) to start from; null:
     * it has not updated yet.
     */
    state:
      | {
          name: string;
          shape: number[];
          dtype: 'float32' | 'int32';
          values: Float32Array | Int32Array;
        }[]
      | null;
    /** Float32: where REQUEST.exportSlots writes the slot values. */
    slots: SharedArrayBuffer;
  };
}

/** Reads the normalizers a step uses from their shared Float64 buffer. */
export function readNorm(norm: Float64Array): LossNormalizers {
  return { heatmap: norm[0], box: norm[1] };
}
