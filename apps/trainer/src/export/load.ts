/**
 * Loads an export folder in Node with plain tfjs (`loadGraphModel` from tfjs-converter or
 * `loadLayersModel` from tfjs-layers, through tfjs' own `getModelArtifactsForJSON`, the path
 * the browser's http loader takes), for `eval --model` and the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { TrainerError } from '../errors.js';
import * as tf from '../tf.js';
import { type ExportLabels, labelsProblem } from './labels.js';

/** An export folder that cannot be loaded (missing or damaged file, another format). */
export class ExportLoadError extends TrainerError {
  override name = 'ExportLoadError';
}

/** A loaded export: its labels.json and a forward pass returning the raw head outputs. */
export interface LoadedExport {
  labels: ExportLabels;
  /** images [B, S, S, 3] in [0, 1] -> heatmap logits and box regression (caller disposes). */
  apply(images: tf.Tensor4D): { heatmap: tf.Tensor4D; reg: tf.Tensor4D };
  dispose(): void;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ExportLoadError(`cannot read ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ExportLoadError(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** Reads and checks `dir/labels.json`. */
export function readLabels(dir: string): ExportLabels {
  const file = join(dir, 'labels.json');
  const v = readJson(file);
  const problem = labelsProblem(v);
  if (problem) throw new ExportLoadError(`${file} ${problem}; it is not a burnin export`);
  return v as ExportLabels;
}

/** A tfjs IOHandler reading `dir/model.json` and its shards from disk. */
export function folderHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = readJson(join(dir, 'model.json')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Buffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            try {
              buffers.push(readFileSync(join(dir, p)));
            } catch (e) {
              throw new ExportLoadError(
                `cannot read weight shard ${join(dir, p)}: ${(e as Error).message.split('\n')[0]}`,
              );
            }
          }
        }
        const all = Buffer.concat(buffers);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
      });
    },
  };
}

/** Loads the model of an export folder (as its labels.json says: graph or layers). */
export async function loadExport(dir: string): Promise<LoadedExport> {
  const labels = readLabels(dir);
  const [hmName, regName] = labels.outputs;
  if (labels.modelFormat === 'graph') {
    const model = await tfconv.loadGraphModel(folderHandler(dir));
    return {
      labels,
      apply: (images) => {
        const [heatmap, reg] = model.execute({ [labels.input]: images }, [
          hmName,
          regName,
        ]) as tf.Tensor4D[];
        return { heatmap, reg };
      },
      dispose: () => model.dispose(),
    };
  }
  const model = await tfl.loadLayersModel(folderHandler(dir));
  return {
    labels,
    apply: (images) => {
      const [heatmap, reg] = model.predict(images) as tf.Tensor4D[];
      return { heatmap, reg };
    },
    dispose: () => model.dispose(),
  };
}
