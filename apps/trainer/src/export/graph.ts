/**
 * The detector as a tfjs GraphModel `model.json`: a TensorFlow GraphDef in JSON (nodes with
 * `op`, `input`, `attr` as tfjs-converter reads them) plus the weights manifest, loadable
 * with `tf.loadGraphModel` and executed by `@tensorflow/tfjs-converter`.
 */
import {
  INPUT_NAME,
  OUTPUT_NAMES,
  OUTPUT_STEPS,
  SCALED_NAME,
  stepSides,
  TOPOLOGY,
} from './topology.js';
import type { NamedWeight } from './weights.js';

/** A GraphDef node in tfjs' JSON form. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

/** The `modelTopology` of a graph-model `model.json`. */
export interface GraphDef {
  node: GraphNode[];
  versions: { producer: number; minConsumer?: number };
  library: Record<string, never>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const FLOAT = { type: 'DT_FLOAT' };
const dims = (shape: readonly number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const ints = (v: readonly number[]) => ({ list: { i: v.map(String) } });

function constNode(name: string, shape: readonly number[], dtype: 'float32' | 'int32'): GraphNode {
  const t = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
  return {
    name,
    op: 'Const',
    attr: { dtype: { type: t }, value: { tensor: { dtype: t, tensorShape: dims(shape) } } },
  };
}

/**
 * The GraphDef and its constants for a detector with input side `size`, given its variables
 * by name (`stem/kernel`, `stem/bias`, ...: the names of `Detector.variables`). The weights are
 * returned in node order; constants that are not model weights are marked `quantize: false`.
 */
export function buildGraph(
  size: number,
  variables: ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
): { graph: GraphDef; weights: NamedWeight[] } {
  const nodes: GraphNode[] = [];
  const weights: NamedWeight[] = [];
  const addConst = (name: string, shape: number[], data: Float32Array | Int32Array, q: boolean) => {
    const dtype = data instanceof Int32Array ? 'int32' : 'float32';
    nodes.push(constNode(name, shape, dtype));
    weights.push({ name, shape, dtype, data, quantize: q });
  };
  const variable = (name: string) => {
    const v = variables.get(name);
    if (!v) throw new Error(`the detector has no variable '${name}'`);
    return v;
  };
  nodes.push({
    name: INPUT_NAME,
    op: 'Placeholder',
    attr: { dtype: FLOAT, shape: { shape: dims([-1, size, size, 3]) } },
  });
  addConst('const/two', [], new Float32Array([2]), false);
  addConst('const/one', [], new Float32Array([1]), false);
  nodes.push({
    name: 'scaled/mul',
    op: 'Mul',
    input: [INPUT_NAME, 'const/two'],
    attr: { T: FLOAT },
  });
  nodes.push({
    name: SCALED_NAME,
    op: 'Sub',
    input: ['scaled/mul', 'const/one'],
    attr: { T: FLOAT },
  });
  const sides = stepSides(size);
  /** The node holding each step's result. */
  const result = new Map<string, string>([[SCALED_NAME, SCALED_NAME]]);
  for (const s of TOPOLOGY) {
    if (s.kind === 'conv') {
      const k = variable(`${s.name}/kernel`);
      const b = variable(`${s.name}/bias`);
      addConst(`${s.name}/kernel`, k.shape, k.data, true);
      addConst(`${s.name}/bias`, b.shape, b.data, true);
      nodes.push({
        name: `${s.name}/Conv2D`,
        op: 'Conv2D',
        input: [result.get(s.input) as string, `${s.name}/kernel`],
        attr: {
          T: FLOAT,
          strides: ints([1, s.stride, s.stride, 1]),
          padding: { s: b64('SAME') },
          data_format: { s: b64('NHWC') },
          dilations: ints([1, 1, 1, 1]),
          use_cudnn_on_gpu: { b: true },
          explicit_paddings: { list: {} },
        },
      });
      nodes.push({
        name: `${s.name}/BiasAdd`,
        op: 'BiasAdd',
        input: [`${s.name}/Conv2D`, `${s.name}/bias`],
        attr: { T: FLOAT, data_format: { s: b64('NHWC') } },
      });
      let out = `${s.name}/BiasAdd`;
      if (s.relu) {
        nodes.push({ name: `${s.name}/Relu`, op: 'Relu', input: [out], attr: { T: FLOAT } });
        out = `${s.name}/Relu`;
      }
      result.set(s.name, out);
    } else {
      const side = sides.get(s.skip) as number;
      addConst(`${s.name}/size`, [2], new Int32Array([side, side]), false);
      nodes.push({
        name: `${s.name}/resize`,
        op: 'ResizeNearestNeighbor',
        input: [result.get(s.up) as string, `${s.name}/size`],
        attr: { T: FLOAT, align_corners: { b: false }, half_pixel_centers: { b: false } },
      });
      nodes.push({
        name: `${s.name}/add`,
        op: 'AddV2',
        input: [result.get(s.skip) as string, `${s.name}/resize`],
        attr: { T: FLOAT },
      });
      result.set(s.name, `${s.name}/add`);
    }
  }
  for (const o of OUTPUT_NAMES)
    nodes.push({
      name: o,
      op: 'Identity',
      input: [result.get(OUTPUT_STEPS[o]) as string],
      attr: { T: FLOAT },
    });
  return {
    graph: { node: nodes, versions: { producer: 1994, minConsumer: 12 }, library: {} },
    weights,
  };
}
