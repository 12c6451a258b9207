/**
 * Intersection over union of box `a` and box `b`, given by corners `x1 <= x2`, `y1 <= y2`
 * (pixels) and their areas (pixels²), as maskApi.c's `bbIou`: 0 when they do not overlap,
 * else `inter / union` divided as is (a degenerate union gives NaN or ±Infinity, as in C).
 *
 * - `crowd`: `b` is a crowd region, the union is the area of `a` (the detection) alone.
 * - `pad`: added to each side of the intersection: 1 for pixel-inclusive corners (VOC devkit,
 *   with the areas computed likewise), else 0.
 */
export function iou(
  ax1: number,
  ay1: number,
  ax2: number,
  ay2: number,
  aArea: number,
  bx1: number,
  by1: number,
  bx2: number,
  by2: number,
  bArea: number,
  crowd: boolean,
  pad: number,
): number {
  const w = Math.min(ax2, bx2) - Math.max(ax1, bx1) + pad;
  if (!(w > 0)) return 0;
  const h = Math.min(ay2, by2) - Math.max(ay1, by1) + pad;
  if (!(h > 0)) return 0;
  const inter = w * h;
  return inter / (crowd ? aArea : aArea + bArea - inter);
}

/**
 * `value` (an {@link iou}) where it is positive and finite, else 0: reads an empty or negative
 * union as no overlap instead of dividing by it. Only zero-area boxes, or sub-ulp ones whose
 * rounding makes the union <= 0, are affected: for boxes that overlap, `inter / union` is
 * positive and finite exactly when `union > 0`.
 */
export function zeroIfEmptyUnion(value: number): number {
  return value > 0 && value < Number.POSITIVE_INFINITY ? value : 0;
}
