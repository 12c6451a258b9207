import { POSITIVE } from '@burnin/internal';
import * as tf from '@tensorflow/tfjs-core';
import { type BoxFormat, checkBoxShape, resolveFormat } from './box-format.js';
import { defineLoss, type FusedParts } from './define-loss.js';
import { numberOption, OPTION_KEYS } from './options.js';
import type { LossOptions } from './reduction.js';

/** Options of the IoU-family box losses. */
export interface BoxLossOptions extends LossOptions {
  /** Coordinate layout of both box tensors (default `'xyxy'`). */
  format?: BoxFormat;
  /** Added to denominators as torchvision does (default 1e-7, > 0; in squared box units). */
  eps?: number;
}

type Kind = 'iou' | 'giou' | 'diou' | 'ciou';

/**
 * Rows of the matrix taking a box `[a, b, c, d]` in `format` to its corners `x1, y1, x2, y2`
 * (every entry 0, +-1 or +-1/2, so each corner is computed with one rounding, exactly as
 * `toCorners` does).
 */
const CORNERS: Record<BoxFormat, number[][]> = {
  xyxy: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ],
  yxyx: [
    [0, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 1],
    [0, 0, 1, 0],
  ],
  xywh: [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [1, 0, 1, 0],
    [0, 1, 0, 1],
  ],
  cxcywh: [
    [1, 0, -0.5, 0],
    [0, 1, 0, -0.5],
    [1, 0, 0.5, 0],
    [0, 1, 0, 0.5],
  ],
};

/**
 * Corners `x1, y1, x2, y2` of boxes `[M, 4]` as rows `[1, M]`. Slicing a column out of the
 * interleaved `[M, 4]` layout is a strided copy that costs several elementwise ops on the cpu and
 * wasm backends; a `[1, 4] x [4, M]` product per corner is much cheaper and folds in the format.
 */
function cornerRows(boxes: tf.Tensor2D, format: BoxFormat): tf.Tensor[] {
  return CORNERS[format].map((row) => tf.matMul(tf.tensor2d([row]), boxes, false, true));
}

const K = 4 / (Math.PI * Math.PI);

const mask = (m: tf.Tensor) => tf.cast(m, 'float32');

/**
 * The IoU-family losses with the gradient w.r.t. the predictions in closed form (for `fusedLoss`,
 * which fuses it with the weighting and reduction in one `tf.customGrad`). Everything is computed on corner rows (see
 * `cornerRows`); the gradient rows go back to `[M, 4]` in `format` through the transpose of the
 * same matrix. The gradient follows the subgradient conventions of tfjs' autodiff exactly
 * (Maximum: `a >= b`, Minimum: `a <= b`, Relu: `x > 0`), so it equals `tf.grad` of the plain
 * formulation, ties (identical or touching boxes) included.
 */
function boxParts(
  kind: Kind,
  targets: tf.Tensor,
  predictions: tf.Tensor,
  { format, eps }: BoxParams,
): FusedParts {
  const lossShape = predictions.shape.slice(0, -1);
  const m = predictions.size / 4;
  // Target terms: constants of the gradient.
  const [tx1, ty1, tx2, ty2] = cornerRows(tf.reshape(targets, [m, 4]), format);
  const tw = tf.sub(tx2, tx1);
  const th = tf.sub(ty2, ty1);
  const areaT = tf.mul(tw, th);
  const centred = kind === 'diou' || kind === 'ciou';
  const tsx = centred ? tf.add(tx1, tx2) : areaT;
  const tsy = centred ? tf.add(ty1, ty2) : areaT;
  const angleT = kind === 'ciou' ? tf.atan(tf.div(tw, tf.maximum(th, eps))) : areaT;
  const corners = tf.tensor2d(CORNERS[format]);
  const consts = [tx1, ty1, tx2, ty2, areaT, tsx, tsy, angleT, corners];
  return {
    forward: (x) => {
      const [x1, y1, x2, y2] = cornerRows(tf.reshape(x, [m, 4]), format);
      const w = tf.sub(x2, x1);
      const h = tf.sub(y2, y1);
      const iwRaw = tf.sub(tf.minimum(x2, tx2), tf.maximum(x1, tx1));
      const ihRaw = tf.sub(tf.minimum(y2, ty2), tf.maximum(y1, ty1));
      const iw = tf.relu(iwRaw);
      const ih = tf.relu(ihRaw);
      const inter = tf.mul(iw, ih);
      const union = tf.sub(tf.add(tf.mul(w, h), areaT), inter);
      const unionEps = tf.add(union, eps);
      const iou = tf.div(inter, unionEps);
      const saved = [...consts, x1, y1, x2, y2, w, h, iwRaw, ihRaw, iw, ih, iou, unionEps];
      let loss = tf.sub(1, iou);
      if (kind !== 'iou') {
        const cw = tf.sub(tf.maximum(x2, tx2), tf.minimum(x1, tx1));
        const ch = tf.sub(tf.maximum(y2, ty2), tf.minimum(y1, ty1));
        saved.push(cw, ch);
        if (kind === 'giou') {
          const areaC = tf.mul(cw, ch);
          const areaCEps = tf.add(areaC, eps);
          loss = tf.add(loss, tf.div(tf.sub(areaC, union), areaCEps));
          saved.push(areaCEps);
        } else {
          const diag = tf.add(tf.add(tf.square(cw), tf.square(ch)), eps);
          const dx = tf.mul(tf.sub(tf.add(x1, x2), tsx), 0.5);
          const dy = tf.mul(tf.sub(tf.add(y1, y2), tsy), 0.5);
          const dist = tf.add(tf.square(dx), tf.square(dy));
          loss = tf.add(loss, tf.div(dist, diag));
          saved.push(diag, dx, dy, dist);
          if (kind === 'ciou') {
            const angleP = tf.atan(tf.div(w, tf.maximum(h, eps)));
            const v = tf.mul(tf.square(tf.sub(angleT, angleP)), K);
            const alpha = tf.div(v, tf.add(tf.add(tf.sub(1, iou), v), eps));
            loss = tf.add(loss, tf.mul(alpha, v));
            saved.push(angleP, alpha);
          }
        }
      }
      return { loss: tf.reshape(loss, lossShape), saved };
    },
    backward: (_x, saved, g) => {
      const [tx1, ty1, tx2, ty2, , , , angleT, corners, x1, y1, x2, y2, w, h] = saved;
      const [iwRaw, ihRaw, iw, ih, iou, unionEps, cw, ch, ...rest] = saved.slice(15);
      const rU = tf.reciprocal(unionEps);
      // d loss / d inter and d loss / d (w h) through 1 - inter / (union + eps)
      let gInter = tf.neg(tf.mul(tf.add(iou, 1), rU));
      let gArea = tf.mul(iou, rU);
      // d loss / d w = gwArea h, d loss / d h = ghArea w (the area term, plus CIoU's angle)
      let gwArea: tf.Tensor | null = null;
      let ghArea: tf.Tensor | null = null;
      let gcw: tf.Tensor | null = null; // d loss / d enclosing width
      let gch: tf.Tensor | null = null;
      let gdx: tf.Tensor | null = null; // d loss / d x1 = d loss / d x2 through the centre offset
      let gdy: tf.Tensor | null = null;
      if (kind === 'giou') {
        const rC = tf.reciprocal(rest[0]);
        gInter = tf.add(gInter, rC);
        gArea = tf.sub(gArea, rC);
        // d/dC (C - union) / (C + eps) = (union + eps) / (C + eps)^2
        const gC = tf.mul(unionEps, tf.square(rC));
        gcw = tf.mul(gC, ch);
        gch = tf.mul(gC, cw);
      } else if (kind !== 'iou') {
        const [diag, dx, dy, dist, angleP, alpha] = rest;
        const rD = tf.reciprocal(diag);
        // dist / diag with dist = dx^2 + dy^2, dx = (x1 + x2 - tx1 - tx2) / 2
        gdx = tf.mul(dx, rD);
        gdy = tf.mul(dy, rD);
        const gDiag = tf.mul(tf.mul(dist, tf.square(rD)), -2);
        gcw = tf.mul(gDiag, cw);
        gch = tf.mul(gDiag, ch);
        if (kind === 'ciou') {
          // alpha is a constant: d (alpha v) / d angleP = 2 K alpha (angleP - angleT), and
          // d angleP / d (w, h) = (h, -w) / (w^2 + h^2 + eps)
          const q = tf.div(
            tf.mul(tf.mul(alpha, tf.sub(angleP, angleT)), 2 * K),
            tf.add(tf.add(tf.square(w), tf.square(h)), eps),
          );
          gwArea = tf.add(gArea, q);
          ghArea = tf.sub(gArea, q);
        }
      }
      const gw = tf.mul(gwArea ?? gArea, h);
      const gh = tf.mul(ghArea ?? gArea, w);
      const giw = tf.mul(tf.mul(gInter, ih), mask(tf.greater(iwRaw, 0)));
      const gih = tf.mul(tf.mul(gInter, iw), mask(tf.greater(ihRaw, 0)));
      let gx2 = tf.add(tf.mul(giw, mask(tf.lessEqual(x2, tx2))), gw);
      let gy2 = tf.add(tf.mul(gih, mask(tf.lessEqual(y2, ty2))), gh);
      let gx1 = tf.add(tf.mul(giw, mask(tf.greaterEqual(x1, tx1))), gw);
      let gy1 = tf.add(tf.mul(gih, mask(tf.greaterEqual(y1, ty1))), gh);
      if (gcw !== null && gch !== null) {
        gx2 = tf.add(gx2, tf.mul(gcw, mask(tf.greaterEqual(x2, tx2))));
        gy2 = tf.add(gy2, tf.mul(gch, mask(tf.greaterEqual(y2, ty2))));
        gx1 = tf.add(gx1, tf.mul(gcw, mask(tf.lessEqual(x1, tx1))));
        gy1 = tf.add(gy1, tf.mul(gch, mask(tf.lessEqual(y1, ty1))));
      }
      gx1 = tf.neg(gx1);
      gy1 = tf.neg(gy1);
      if (gdx !== null && gdy !== null) {
        gx1 = tf.add(gx1, gdx);
        gx2 = tf.add(gx2, gdx);
        gy1 = tf.add(gy1, gdy);
        gy2 = tf.add(gy2, gdy);
      }
      let rows = [gx1, gy1, gx2, gy2];
      let map = corners;
      if (g.rank === 0) {
        map = tf.mul(corners, g);
      } else {
        const gRow = tf.reshape(g.size === m ? g : tf.broadcastTo(g, lossShape), [1, m]);
        rows = rows.map((r) => tf.mul(r, gRow));
      }
      // d loss / d boxes = (d loss / d corners)^T CORNERS[format]
      const grad = tf.matMul(tf.concat(rows, 0), map, true, false);
      return tf.reshape(grad, predictions.shape);
    },
  };
}

interface BoxParams {
  format: BoxFormat;
  eps: number;
}

/** The box losses' checks (boxes `[..., 4]`, `format`, `eps`) and unreduced shape `[...]`. */
const BOX_SPEC = {
  keys: OPTION_KEYS.box,
  params: (fn: string, o: BoxLossOptions, _t: tf.Tensor, predictions: tf.Tensor): BoxParams => {
    checkBoxShape(fn, 'predictions', predictions);
    return {
      format: resolveFormat(fn, o.format),
      eps: numberOption(fn, 'eps', o.eps, 1e-7, POSITIVE),
    };
  },
  lossShape: (predictions: tf.Tensor) => predictions.shape.slice(0, -1),
};

/** The box loss `kind` as a public loss named `name`. */
const boxLoss = (name: string, kind: Kind) =>
  defineLoss<BoxLossOptions, BoxParams>(
    name,
    (targets, predictions, { params }) => boxParts(kind, targets, predictions, params),
    BOX_SPEC,
  );

/**
 * IoU loss `1 - IoU` per box pair, `IoU = inter / (union + eps)`. Boxes `[..., 4]`; unreduced
 * shape `[...]`. Zero-area or disjoint boxes give loss 1 and a finite gradient. A non-finite
 * coordinate gives NaN for that box (value and gradient), in all four box losses.
 */
export const iouLoss = /* @__PURE__ */ boxLoss('iouLoss', 'iou');

/**
 * Generalized IoU loss (torchvision `generalized_box_iou_loss`):
 * `1 - IoU + (C - union) / (C + eps)` with `C` the area of the smallest enclosing box. In [0, 2).
 */
export const giouLoss = /* @__PURE__ */ boxLoss('giouLoss', 'giou');

/**
 * Distance IoU loss (torchvision `distance_box_iou_loss`): `1 - IoU + d^2 / (c^2 + eps)` with `d`
 * the distance between box centres and `c` the diagonal of the enclosing box.
 */
export const diouLoss = /* @__PURE__ */ boxLoss('diouLoss', 'diou');

/**
 * Complete IoU loss (torchvision `complete_box_iou_loss`): DIoU loss `+ alpha v` with
 * `v = 4 / pi^2 (atan(wt / ht) - atan(wp / hp))^2` and `alpha = v / (1 - IoU + v + eps)` treated
 * as a constant in the gradient (as torchvision computes it under `no_grad`). For zero-height or
 * zero-size boxes, where torchvision returns NaN, the aspect angle uses `max(h, eps)` and a
 * finite gradient.
 */
export const ciouLoss = /* @__PURE__ */ boxLoss('ciouLoss', 'ciou');
