/**
 * The model files of an export, in memory: `model.json` (graph-model or layers-model) and its
 * weight shards, from a detector's variables.
 */
import type { Detector } from '../model/centernet.js';
import { buildGraph } from './graph.js';
import type { ModelFormat } from './labels.js';
import { buildLayers } from './layers.js';
import { encodeWeights, type Quantization, shardWeights } from './weights.js';

/** One file of an export folder: its name (relative, '/'-separated) and bytes. */
export interface ExportFile {
  name: string;
  bytes: Uint8Array;
}

/** The detector's variables by name, copied out of their tensors. */
export function variableMap(model: Detector): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map(
    model.variables.map((v) => [
      v.name,
      { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) },
    ]),
  );
}

/**
 * `model.json` and `group1-shard*.bin` for `model` in the given format and quantization
 * (only kernels and biases are quantized; the input scaling constants and resize sizes stay
 * exact).
 */
export async function modelFiles(
  model: Detector,
  format: ModelFormat,
  quantization: Quantization,
): Promise<ExportFile[]> {
  const size = model.config.inputSize;
  const vars = variableMap(model);
  const built =
    format === 'graph'
      ? (() => {
          const g = buildGraph(size, vars);
          return { topology: g.graph as object, weights: g.weights };
        })()
      : await buildLayers(size, vars);
  const { specs, data } = encodeWeights(built.weights, quantization);
  const shards = shardWeights(data);
  const json = {
    format: format === 'graph' ? 'graph-model' : 'layers-model',
    generatedBy: 'burnin export',
    convertedBy: null,
    modelTopology: built.topology,
    weightsManifest: [{ paths: shards.map((s) => s.path), weights: specs }],
  };
  return [
    { name: 'model.json', bytes: Buffer.from(`${JSON.stringify(json)}\n`, 'utf8') },
    ...shards.map((s) => ({ name: s.path, bytes: s.bytes })),
  ];
}
