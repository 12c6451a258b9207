import { iouOrZero } from './iou.js';

/**
 * IoU of two COCO boxes `[x, y, width, height]` (pixels). Returns 0 when the union is empty.
 */
export function boxIouXywh(a: readonly number[], b: readonly number[]): number {
  const aw = a[2];
  const ah = a[3];
  const bw = b[2];
  const bh = b[3];
  return iouOrZero(
    a[0],
    a[1],
    a[0] + aw,
    a[1] + ah,
    aw * ah,
    b[0],
    b[1],
    b[0] + bw,
    b[1] + bh,
    bw * bh,
    0,
  );
}
