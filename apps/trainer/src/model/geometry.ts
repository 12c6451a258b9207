/** The detector's output geometry (no tfjs here: data code imports it alone). */

/** Output stride of the heads (pixels of input per heatmap cell). */
export const OUTPUT_STRIDE = 4;
/** Size head: a box side is `exp(raw) * SIZE_UNIT` input pixels. */
export const SIZE_UNIT = 16;
