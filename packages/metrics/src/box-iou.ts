import { iou, zeroIfEmptyUnion } from './iou.js';

/**
 * IoU of two COCO boxes `[x, y, width, height]` (pixels). Returns 0 when the union is empty.
 */
export function boxIouXywh(a: readonly number[], b: readonly number[]): number {
  const [ax, ay, aw, ah] = a;
  const [bx, by, bw, bh] = b;
  return zeroIfEmptyUnion(
    iou(ax, ay, ax + aw, ay + ah, aw * ah, bx, by, bx + bw, by + bh, bw * bh, false, 0),
  );
}
