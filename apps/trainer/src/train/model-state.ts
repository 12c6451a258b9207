import { disposeOptimizerWeights, type ScheduledOptimizer } from '@burnin/tfjs-adapter';
import type { Detector } from '../model/centernet.js';
import * as tf from '../tf.js';
import { type Checkpoint, CheckpointError, readCheckpoint } from './checkpoint.js';
import type { CheckpointMeta } from './checkpoint-meta.js';

/**
 * Loads a checkpoint into a model (and optimizer). Returns its metadata. Throws
 * CheckpointError naming the file when a tensor is missing, of the wrong shape or dtype.
 */
export async function restoreCheckpoint(
  file: string,
  model: Detector,
  optimizer?: ScheduledOptimizer,
): Promise<CheckpointMeta> {
  const ck = readCheckpoint<CheckpointMeta>(file);
  const byName = new Map(ck.tensors.map((t) => [t.name, t]));
  for (const v of model.variables) {
    const t = byName.get(`model/${v.name}`);
    if (t?.dtype !== 'float32' || t.shape.join() !== v.shape.join())
      throw new CheckpointError(
        `checkpoint ${file} does not match the model (variable ${v.name}${t ? `: shape [${t.shape}] ${t.dtype}, expected [${v.shape}] float32` : ' is missing'}); use the config it was trained with`,
      );
  }
  for (const v of model.variables) {
    const t = byName.get(`model/${v.name}`) as Checkpoint['tensors'][number];
    const value = tf.tensor(t.data, t.shape);
    v.assign(value);
    value.dispose();
  }
  if (optimizer) {
    const opt = ck.tensors.filter((t) => t.name.startsWith('opt/'));
    const shapes = new Map(model.variables.map((v) => [v.name, v.shape.join()]));
    for (const t of opt) {
      // slots are opt/<variable>/<slot> of the variable's shape; counters are scalars
      const owner = t.name.slice(4, t.name.lastIndexOf('/'));
      const want = shapes.get(owner) ?? '';
      if (t.shape.join() !== want)
        throw new CheckpointError(
          `checkpoint ${file} does not match the model (optimizer tensor ${t.name}: shape [${t.shape}], expected [${want}]); use the config it was trained with`,
        );
    }
    const stepT = opt.find((t) => t.name === 'opt/scheduled_optimizer/step');
    if (stepT && stepT.data[0] !== ck.meta.step)
      throw new CheckpointError(
        `checkpoint ${file}: the optimizer step ${stepT.data[0]} differs from field 'step' ${JSON.stringify(ck.meta.step)}; it cannot be used: resume from another checkpoint or start a fresh --out`,
      );
    const named = opt.map((t) => ({
      name: t.name.slice(4),
      tensor: tf.tensor(t.data, t.shape, t.dtype),
    }));
    try {
      await optimizer.setWeights(named);
    } catch (e) {
      throw new CheckpointError(
        `checkpoint ${file}: the optimizer state does not fit this run's optimizer (${(e as Error).message.split('\n')[0]}); use the config it was trained with`,
      );
    } finally {
      tf.dispose(named.map((n) => n.tensor));
    }
  }
  return ck.meta;
}

/** Model and optimizer tensors of a checkpoint, read back from the live variables. */
export async function checkpointTensors(
  model: Detector,
  optimizer: ScheduledOptimizer,
): Promise<Checkpoint['tensors']> {
  const tensors: Checkpoint['tensors'] = model.variables.map((v) => ({
    name: `model/${v.name}`,
    shape: v.shape,
    dtype: 'float32',
    data: v.dataSync() as Float32Array,
  }));
  const ow = await optimizer.getWeights();
  try {
    for (const w of ow) {
      tensors.push({
        name: `opt/${w.name}`,
        shape: w.tensor.shape,
        dtype: w.tensor.dtype === 'int32' ? 'int32' : 'float32',
        data: (await w.tensor.data()) as Float32Array | Int32Array,
      });
    }
  } finally {
    disposeOptimizerWeights(ow); // the counters are new scalars (the slots are live variables)
  }
  return tensors;
}

/** Names of the tensors that hold a NaN or infinite value. */
export function nonFiniteTensors(tensors: Checkpoint['tensors']): string[] {
  const out: string[] = [];
  for (const t of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        out.push(t.name);
        break;
      }
    }
  }
  return out;
}
