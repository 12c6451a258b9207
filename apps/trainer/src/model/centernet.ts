import { createRng } from '../data/rng.js';
import * as tf from '../tf.js';
import { convBlock } from './conv-block.js';

/** Architecture options of the small CenterNet-style detector. */
export interface ModelConfig {
  /** Square input side in pixels; a multiple of 16. */
  inputSize: number;
  /** Number of object classes (heatmap channels). */
  numClasses: number;
  /** Channel widths of the stride-2, -4, -8/-16 stages. */
  widths: [number, number, number];
  /** Channels of the stride-4 head trunk. */
  headWidth: number;
}

export { OUTPUT_STRIDE, SIZE_UNIT } from './geometry.js';
/** Initial bias of the heatmap logits: sigmoid(-2.19) ~ 0.1 (CenterNet / focal-loss prior). */
export const HEATMAP_BIAS_INIT = -2.19;

interface ConvSpec {
  name: string;
  k: number;
  cin: number;
  cout: number;
  bias?: number;
  std?: number;
}

/** A detector: named trainable variables and a pure forward function. */
export interface Detector {
  readonly config: ModelConfig;
  /** Variables in a fixed order (checkpoints store them in this order). */
  readonly variables: tf.Variable[];
  /**
   * Forward pass. `images` [B, S, S, 3] in [0, 1]. Returns heatmap logits [B, S/4, S/4, C]
   * and `reg` [B, S/4, S/4, 4] = (raw log-width, raw log-height, raw offset x, raw offset y).
   */
  apply(images: tf.Tensor4D): { heatmap: tf.Tensor4D; reg: tf.Tensor4D };
  dispose(): void;
}

function convSpecs(c: ModelConfig): ConvSpec[] {
  const [w1, w2, w3] = c.widths;
  const h = c.headWidth;
  return [
    { name: 'stem', k: 3, cin: 3, cout: w1 }, // s2
    { name: 'c2', k: 3, cin: w1, cout: w2 }, // s4
    { name: 'c3', k: 3, cin: w2, cout: w3 }, // s8
    { name: 'c4', k: 3, cin: w3, cout: w3 }, // s8
    { name: 'c5', k: 3, cin: w3, cout: w3 }, // s16
    { name: 'c6', k: 3, cin: w3, cout: w3 }, // s16
    { name: 'p3', k: 3, cin: w3, cout: w3 }, // s8 after top-down add
    { name: 'lat', k: 1, cin: w3, cout: w2 }, // s8 -> s4 lateral
    { name: 'head', k: 3, cin: w2, cout: h }, // s4 trunk
    { name: 'hm', k: 1, cin: h, cout: c.numClasses, bias: HEATMAP_BIAS_INIT, std: 0.01 },
    { name: 'reg', k: 1, cin: h, cout: 4, std: 0.01 },
  ];
}

/** Validates a model config; throws RangeError naming the bad field. */
export function validateModelConfig(c: ModelConfig): void {
  if (!Number.isInteger(c.inputSize) || c.inputSize < 32 || c.inputSize % 16 !== 0)
    throw new RangeError(`model.inputSize must be a multiple of 16 >= 32, got ${c.inputSize}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 1)
    throw new RangeError(`model.numClasses must be an integer >= 1, got ${c.numClasses}`);
}

/**
 * Creates the detector with deterministic He-normal initialisation from `seed`
 * (identical weights on every backend).
 */
export function createDetector(config: ModelConfig, seed = 0): Detector {
  validateModelConfig(config);
  const rng = createRng(seed ^ 0x5eed);
  const gauss = (): number => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const vars = new Map<string, tf.Variable>();
  const variables: tf.Variable[] = [];
  for (const s of convSpecs(config)) {
    const n = s.k * s.k * s.cin * s.cout;
    const std = s.std ?? Math.sqrt(2 / (s.k * s.k * s.cin));
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = gauss() * std;
    // tf.variable keeps its own reference: release the initial tensors
    const w0 = tf.tensor4d(w, [s.k, s.k, s.cin, s.cout]);
    const b0 = tf.fill([s.cout], s.bias ?? 0);
    const wv = tf.variable(w0, true, `${s.name}/kernel`);
    const bv = tf.variable(b0, true, `${s.name}/bias`);
    tf.dispose([w0, b0]);
    vars.set(`${s.name}/kernel`, wv);
    vars.set(`${s.name}/bias`, bv);
    variables.push(wv, bv);
  }
  const conv = (
    x: tf.Tensor4D,
    name: string,
    stride: 1 | 2,
    act: 'relu' | 'linear' = 'relu',
  ): tf.Tensor4D =>
    convBlock(
      x,
      vars.get(`${name}/kernel`) as tf.Tensor4D,
      vars.get(`${name}/bias`) as tf.Tensor1D,
      stride,
      act,
      // the stem's input is the images: no gradient to compute for it
      name !== 'stem',
    );
  const apply = (images: tf.Tensor4D) =>
    tf.tidy(() => {
      const x = tf.sub(tf.mul(images, 2), 1) as tf.Tensor4D;
      const s2 = conv(x, 'stem', 2);
      const s4 = conv(s2, 'c2', 2);
      const s8a = conv(s4, 'c3', 2);
      const s8 = conv(s8a, 'c4', 1);
      const s16a = conv(s8, 'c5', 2);
      const s16 = conv(s16a, 'c6', 1);
      const [, h8, w8] = s8.shape;
      const td = tf.add(s8, tf.image.resizeNearestNeighbor(s16, [h8, w8])) as tf.Tensor4D;
      const p3 = conv(td, 'p3', 1);
      const lat = conv(p3, 'lat', 1, 'linear');
      const [, h4, w4] = s4.shape;
      const p2 = tf.add(s4, tf.image.resizeNearestNeighbor(lat, [h4, w4])) as tf.Tensor4D;
      const trunk = conv(p2, 'head', 1);
      return { heatmap: conv(trunk, 'hm', 1, 'linear'), reg: conv(trunk, 'reg', 1, 'linear') };
    });
  return {
    config,
    variables,
    apply,
    dispose: () => {
      for (const v of variables) v.dispose();
    },
  };
}

/** Number of trainable parameters. */
export function parameterCount(d: Detector): number {
  return d.variables.reduce((a, v) => a + v.size, 0);
}
