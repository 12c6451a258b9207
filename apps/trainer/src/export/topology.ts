/**
 * The detector's forward pass as data (the layers of `model/centernet.ts`' `apply`, in order),
 * from which the graph and layers exports are written. `test/export-model.test.ts` checks that
 * both exports compute what `apply` computes (1e-5 on the cpu backend), so they cannot drift.
 */

/** One step of the forward pass, producing tensor `name`. */
export type TopologyStep =
  | {
      kind: 'conv';
      name: string;
      input: string;
      /** Variables `${name}/kernel` and `${name}/bias`. */
      stride: 1 | 2;
      relu: boolean;
    }
  | {
      kind: 'upsampleAdd';
      name: string;
      /** Nearest-neighbour resize of `up` to the size of `skip` (here always x2), plus `skip`. */
      skip: string;
      up: string;
    };

/** Input placeholder name: images [B, S, S, 3] in [0, 1]. */
export const INPUT_NAME = 'images';
/** Output names: heatmap logits [B, S/4, S/4, C] and box regression [B, S/4, S/4, 4]. */
export const OUTPUT_NAMES = ['heatmap', 'reg'] as const;
/** The first step of the forward pass: `x = images * 2 - 1`. */
export const SCALED_NAME = 'scaled';

/** The forward pass after `x = images * 2 - 1` (named `scaled`). */
export const TOPOLOGY: readonly TopologyStep[] = [
  { kind: 'conv', name: 'stem', input: SCALED_NAME, stride: 2, relu: true },
  { kind: 'conv', name: 'c2', input: 'stem', stride: 2, relu: true },
  { kind: 'conv', name: 'c3', input: 'c2', stride: 2, relu: true },
  { kind: 'conv', name: 'c4', input: 'c3', stride: 1, relu: true },
  { kind: 'conv', name: 'c5', input: 'c4', stride: 2, relu: true },
  { kind: 'conv', name: 'c6', input: 'c5', stride: 1, relu: true },
  { kind: 'upsampleAdd', name: 'td', skip: 'c4', up: 'c6' },
  { kind: 'conv', name: 'p3', input: 'td', stride: 1, relu: true },
  { kind: 'conv', name: 'lat', input: 'p3', stride: 1, relu: false },
  { kind: 'upsampleAdd', name: 'p2', skip: 'c2', up: 'lat' },
  { kind: 'conv', name: 'head', input: 'p2', stride: 1, relu: true },
  { kind: 'conv', name: 'hm', input: 'head', stride: 1, relu: false },
  { kind: 'conv', name: 'reg', input: 'head', stride: 1, relu: false },
];

/** The step whose result is each output. */
export const OUTPUT_STEPS: Readonly<Record<(typeof OUTPUT_NAMES)[number], string>> = {
  heatmap: 'hm',
  reg: 'reg',
};

/** Spatial side of every step's result for input side `size` (SAME padding: ceil(in / stride)). */
export function stepSides(size: number): Map<string, number> {
  const side = new Map<string, number>([[SCALED_NAME, size]]);
  for (const s of TOPOLOGY) {
    if (s.kind === 'conv') side.set(s.name, Math.ceil((side.get(s.input) as number) / s.stride));
    else side.set(s.name, side.get(s.skip) as number);
  }
  return side;
}
