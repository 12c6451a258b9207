/** The convolution grid every conv kernel test runs (both kernels.test.ts and simd-kernels.test.ts). */
export type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number;
  pad: Pad;
  dilations?: number;
  dataFormat?: 'NHWC' | 'NCHW';
}

/** Strides, paddings (same, valid, explicit), odd sizes, NCHW. */
export const CONV_GRID: readonly ConvCase[] = [
  { x: [1, 7, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 5], f: [5, 5, 5, 3], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 2], f: [1, 1, 2, 6], strides: 2, pad: 'valid' },
  { x: [1, 11, 11, 4], f: [3, 3, 4, 2], strides: 2, pad: 'valid' },
  { x: [2, 6, 5, 3], f: [3, 3, 3, 2], strides: 1, pad: 'valid' },
  { x: [1, 13, 13, 2], f: [5, 5, 2, 3], strides: 1, pad: 'same' },
  {
    x: [2, 7, 8, 3],
    f: [3, 2, 3, 2],
    strides: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { x: [2, 3, 7, 6], f: [3, 3, 3, 2], strides: 2, pad: 'same', dataFormat: 'NCHW' },
  { x: [2, 9, 9, 8], f: [3, 3, 8, 4], strides: 2, pad: 'same' },
  { x: [1, 7, 6, 13], f: [3, 3, 13, 5], strides: 1, pad: 'valid' },
  {
    x: [2, 6, 7, 10],
    f: [5, 3, 10, 3],
    strides: 2,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  },
];

/** The convolutions of the demo detector's training step (batch 8): filter gradients. */
export const DEMO_FILTER_CASES: readonly ConvCase[] = [
  { x: [8, 24, 24, 32], f: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { x: [8, 12, 12, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 48, 48, 16], f: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { x: [8, 96, 96, 3], f: [3, 3, 3, 16], strides: 2, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 48], strides: 2, pad: 'same' },
  { x: [8, 24, 24, 32], f: [1, 1, 32, 3], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [1, 1, 32, 4], strides: 1, pad: 'same' },
];

/** The same step's input gradients (the first layer has none). */
export const DEMO_INPUT_CASES: readonly ConvCase[] = [
  { x: [8, 48, 48, 16], f: [3, 3, 16, 32], strides: 2, pad: 'same' },
  { x: [8, 12, 12, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 32], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [3, 3, 32, 48], strides: 2, pad: 'same' },
  { x: [8, 6, 6, 48], f: [3, 3, 48, 48], strides: 1, pad: 'same' },
  { x: [8, 24, 24, 32], f: [1, 1, 32, 3], strides: 1, pad: 'same' },
];
