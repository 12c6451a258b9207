/**
 * The detector as a tfjs-layers functional model (Rescaling, Conv2D, UpSampling2D, Add):
 * its `modelTopology` for a `layers-model` `model.json`, loadable with `tf.loadLayersModel`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '../tf.js';
import { INPUT_NAME, OUTPUT_NAMES, OUTPUT_STEPS, SCALED_NAME, TOPOLOGY } from './topology.js';
import type { NamedWeight } from './weights.js';

/**
 * Prefix of the conv layers' names (`conv_stem`, ...; weights `conv_stem/kernel`): tfjs-layers
 * registers its variables under these names, which must not collide with the trainer's own
 * `stem/kernel` variables living in the same engine.
 */
export const LAYER_PREFIX = 'conv_';

/**
 * Builds the functional model for input side `size` with the given variables (by name, as
 * `Detector.variables`), and returns its Keras-JSON topology and its weights in the order
 * tfjs-layers lists them. Creates and disposes its own tensors.
 */
export async function buildLayers(
  size: number,
  variables: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
): Promise<{ topology: object; weights: NamedWeight[] }> {
  const input = tfl.input({ shape: [size, size, 3], name: INPUT_NAME });
  const out = new Map<string, tfl.SymbolicTensor>();
  out.set(
    SCALED_NAME,
    tfl.layers
      .rescaling({ scale: 2, offset: -1, name: SCALED_NAME })
      .apply(input) as tfl.SymbolicTensor,
  );
  const convs: string[] = [];
  for (const s of TOPOLOGY) {
    if (s.kind === 'conv') {
      const k = variables.get(`${s.name}/kernel`);
      if (!k) throw new Error(`the detector has no variable '${s.name}/kernel'`);
      const layer = tfl.layers.conv2d({
        name: `${LAYER_PREFIX}${s.name}`,
        filters: k.shape[3],
        kernelSize: [k.shape[0], k.shape[1]],
        strides: s.stride,
        padding: 'same',
        activation: s.relu ? 'relu' : 'linear',
        useBias: true,
      });
      out.set(s.name, layer.apply(out.get(s.input) as tfl.SymbolicTensor) as tfl.SymbolicTensor);
      convs.push(s.name);
    } else {
      const up = tfl.layers
        .upSampling2d({ size: [2, 2], interpolation: 'nearest', name: `${s.name}_up` })
        .apply(out.get(s.up) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
      out.set(
        s.name,
        tfl.layers
          .add({ name: s.name })
          .apply([out.get(s.skip) as tfl.SymbolicTensor, up]) as tfl.SymbolicTensor,
      );
    }
  }
  const model = tfl.model({
    inputs: input,
    outputs: OUTPUT_NAMES.map((o) => out.get(OUTPUT_STEPS[o]) as tfl.SymbolicTensor),
    name: 'burnin_centernet',
  });
  try {
    for (const name of convs) {
      const k = variables.get(`${name}/kernel`) as { shape: number[]; data: Float32Array };
      const b = variables.get(`${name}/bias`);
      if (!b) throw new Error(`the detector has no variable '${name}/bias'`);
      const values = [tf.tensor(k.data, k.shape), tf.tensor(b.data, b.shape)];
      model.getLayer(`${LAYER_PREFIX}${name}`).setWeights(values);
      tf.dispose(values);
    }
    let topology: object | undefined;
    let specs: { name: string }[] = [];
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        topology = artifacts.modelTopology as object;
        specs = artifacts.weightSpecs ?? [];
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const weights = specs.map((spec) => {
      const v = spec.name.startsWith(LAYER_PREFIX)
        ? variables.get(spec.name.slice(LAYER_PREFIX.length))
        : undefined;
      if (!v) throw new Error(`tfjs-layers names a weight '${spec.name}' the detector lacks`);
      return { name: spec.name, shape: v.shape, dtype: 'float32' as const, data: v.data };
    });
    return { topology: topology as object, weights };
  } finally {
    model.dispose();
  }
}
