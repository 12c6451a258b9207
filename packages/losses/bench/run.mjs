// Forward + backward benchmark of @burnin/losses on the cpu and wasm backends, next to a naive
// formulation (plain tfjs ops, autodiff) and next to tf.losses where one exists.
// Run after build: `pnpm --filter @burnin/losses bench` (node bench/run.mjs).
// Options: --backends=cpu,wasm  --reps=N  --scale=F (multiplies the anchor count, default 1)
//          --only=substring
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js'; // via bench/register.mjs
import * as L from '../dist/index.js';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);
const backends = (args.backends ?? 'cpu,wasm').split(',');
const reps = Number(args.reps ?? 5);
const only = args.only;
const defaultScale = Number(args.scale ?? 1);
// The tfjs cpu backend allocates a fresh typed array per op; on small shared VMs this is
// dominated by page faults (time per op grows faster than the size), so by default cpu runs box
// and regression cases at 1/10 of the anchors and the 80-class cases at 1/100
// (override with --cpu-scale / --cpu-class-scale).
const cpuScale = Number(args['cpu-scale'] ?? 0.1);
const cpuClassScale = Number(args['cpu-class-scale'] ?? 0.01);
// wasm (32-bit memory, single thread here) runs the 12.8M-element classification cases at a
// quarter of the anchors unless --wasm-scale says otherwise; the table prints the sizes used.
const wasmScale = Number(args['wasm-scale'] ?? 0.25);

const B = 8;
const C = 80;

/** Min and median wall time (ms) of fwd+bwd; a/b/c interleaved so drift hits all equally. */
function timeAll(fns, n) {
  const times = fns.map(() => []);
  for (let rep = -1; rep < n; rep++) {
    fns.forEach((f, i) => {
      if (!f) return;
      const t0 = performance.now();
      tf.tidy(() => {
        const out = f();
        out.dataSync();
      });
      if (rep >= 0) times[i].push(performance.now() - t0);
    });
  }
  return times.map((ts) => {
    if (ts.length === 0) return null;
    ts.sort((x, y) => x - y);
    return { min: ts[0], median: ts[Math.floor(ts.length / 2)] };
  });
}

const fwdBwd = (loss, t, p) => () => tf.grad((x) => loss(t, x))(p);

// ---- naive formulations (what one writes directly from the papers / upstream code) ----
const naive = {
  mse: (t, p) => tf.mean(tf.square(tf.sub(p, t))),
  mae: (t, p) => tf.mean(tf.abs(tf.sub(p, t))),
  huber: (t, p) => {
    const d = tf.sub(p, t);
    const a = tf.abs(d);
    // (LessEqual has no gradient in tfjs; GreaterEqual does)
    return tf.mean(tf.where(tf.greaterEqual(1, a), tf.mul(0.5, tf.square(d)), tf.sub(a, 0.5)));
  },
  smoothL1: (t, p) => {
    const beta = 1 / 9;
    const a = tf.abs(tf.sub(p, t));
    return tf.mean(
      tf.where(
        tf.greaterEqual(a, beta),
        tf.sub(a, 0.5 * beta),
        tf.div(tf.mul(0.5, tf.square(a)), beta),
      ),
    );
  },
  hinge: (t, p) => tf.mean(tf.relu(tf.sub(1, tf.mul(tf.sub(tf.mul(2, t), 1), p)))),
  sigmoidCE: (t, x) => {
    const p = tf.sigmoid(x);
    return tf.mean(
      tf.neg(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p))))),
    );
  },
  bce: (t, p) => {
    const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
    return tf.mean(
      tf.neg(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q))))),
    );
  },
  softmaxCE: (t, x) => tf.mean(tf.neg(tf.sum(tf.mul(t, tf.logSoftmax(x)), -1))),
  focal: (t, x) => {
    // torchvision sigmoid_focal_loss, literally
    const p = tf.sigmoid(x);
    const ce = tf.losses.sigmoidCrossEntropy(t, x, undefined, 0, tf.Reduction.NONE);
    const pt = tf.add(tf.mul(p, t), tf.mul(tf.sub(1, p), tf.sub(1, t)));
    const loss = tf.mul(ce, tf.pow(tf.sub(1, pt), 2));
    const at = tf.add(tf.mul(0.25, t), tf.mul(0.75, tf.sub(1, t)));
    return tf.mean(tf.mul(at, loss));
  },
  prfl: (t, x) => {
    // TF OD API PenaltyReducedLogisticFocalLoss, literally (sigmoid clipped to [1e-4, 1 - 1e-4])
    const p = tf.clipByValue(tf.sigmoid(x), 1e-4, 1 - 1e-4);
    const pos = tf.mul(tf.pow(tf.sub(1, p), 2), tf.log(p));
    const neg = tf.mul(tf.mul(tf.pow(tf.sub(1, t), 4), tf.pow(p, 2)), tf.log(tf.sub(1, p)));
    return tf.mean(tf.neg(tf.where(tf.equal(t, 1), pos, neg)));
  },
};

function naiveBox(kind) {
  const stop = tf.customGrad((x) => ({ value: tf.clone(x), gradFunc: (dy) => tf.zerosLike(dy) }));
  return (t, p) => {
    const col = (b, i) => tf.squeeze(tf.slice(b, [0, 0, i], [-1, -1, 1]), [2]);
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((i) => col(p, i));
    const [gx1, gy1, gx2, gy2] = [0, 1, 2, 3].map((i) => col(t, i));
    const iw = tf.maximum(tf.sub(tf.minimum(x2, gx2), tf.maximum(x1, gx1)), 0);
    const ih = tf.maximum(tf.sub(tf.minimum(y2, gy2), tf.maximum(y1, gy1)), 0);
    const inter = tf.mul(iw, ih);
    const union = tf.sub(
      tf.add(tf.mul(tf.sub(x2, x1), tf.sub(y2, y1)), tf.mul(tf.sub(gx2, gx1), tf.sub(gy2, gy1))),
      inter,
    );
    const iou = tf.div(inter, tf.add(union, 1e-7));
    if (kind === 'iou') return tf.mean(tf.sub(1, iou));
    const cw = tf.sub(tf.maximum(x2, gx2), tf.minimum(x1, gx1));
    const ch = tf.sub(tf.maximum(y2, gy2), tf.minimum(y1, gy1));
    if (kind === 'giou') {
      const c = tf.mul(cw, ch);
      return tf.mean(tf.add(tf.sub(1, iou), tf.div(tf.sub(c, union), tf.add(c, 1e-7))));
    }
    const diag = tf.add(tf.add(tf.square(cw), tf.square(ch)), 1e-7);
    const dx = tf.sub(tf.div(tf.add(x1, x2), 2), tf.div(tf.add(gx1, gx2), 2));
    const dy = tf.sub(tf.div(tf.add(y1, y2), 2), tf.div(tf.add(gy1, gy2), 2));
    let loss = tf.add(tf.sub(1, iou), tf.div(tf.add(tf.square(dx), tf.square(dy)), diag));
    if (kind === 'ciou') {
      const v = tf.mul(
        4 / Math.PI ** 2,
        tf.square(
          tf.sub(
            tf.atan(tf.div(tf.sub(gx2, gx1), tf.sub(gy2, gy1))),
            tf.atan(tf.div(tf.sub(x2, x1), tf.sub(y2, y1))),
          ),
        ),
      );
      const alpha = stop(tf.div(v, tf.add(tf.add(tf.sub(1, iou), v), 1e-7)));
      loss = tf.add(loss, tf.mul(alpha, v));
    }
    return tf.mean(loss);
  };
}

function makeInputs(kind, anchors) {
  return tf.tidy(() => {
    if (kind === 'boxes') {
      const xy = tf.randomUniform([B, anchors, 2], 0, 500, 'float32', 1);
      const wh = tf.randomUniform([B, anchors, 2], 1, 100, 'float32', 2);
      const t = tf.concat([xy, tf.add(xy, wh)], 2);
      const xy2 = tf.add(xy, tf.randomUniform([B, anchors, 2], -10, 10, 'float32', 3));
      const wh2 = tf.mul(wh, tf.randomUniform([B, anchors, 2], 0.7, 1.3, 'float32', 4));
      const p = tf.concat([xy2, tf.add(xy2, wh2)], 2);
      return [t, p];
    }
    if (kind === 'codes') {
      return [
        tf.randomNormal([B, anchors, 4], 0, 1, 'float32', 5),
        tf.randomNormal([B, anchors, 4], 0, 1, 'float32', 6),
      ];
    }
    const x = tf.randomNormal([B, anchors, C], -2, 3, 'float32', 7);
    if (kind === 'heatmap') {
      const u = tf.randomUniform([B, anchors, C], 0, 1, 'float32', 8);
      return [tf.where(tf.greater(u, 0.999), tf.onesLike(u), tf.mul(u, 0.9)), x];
    }
    if (kind === 'probs') {
      const t = tf.cast(
        tf.greater(tf.randomUniform([B, anchors, C], 0, 1, 'float32', 9), 0.99),
        'float32',
      );
      return [t, tf.sigmoid(x)];
    }
    if (kind === 'onehot') {
      const idx = tf.randomUniform([B * anchors], 0, C, 'int32', 10);
      return [tf.cast(tf.oneHot(idx, C), 'float32'), tf.reshape(x, [B * anchors, C])];
    }
    const t = tf.cast(
      tf.greater(tf.randomUniform([B, anchors, C], 0, 1, 'float32', 9), 0.99),
      'float32',
    );
    return [t, x];
  });
}

const R = tf.Reduction.SUM_BY_NONZERO_WEIGHTS;
const cases = [
  [
    'meanSquaredError',
    'codes',
    L.meanSquaredError,
    naive.mse,
    (t, p) => tf.losses.meanSquaredError(t, p, undefined, R),
  ],
  [
    'meanAbsoluteError',
    'codes',
    L.meanAbsoluteError,
    naive.mae,
    (t, p) => tf.losses.absoluteDifference(t, p, undefined, R),
  ],
  [
    'huberLoss',
    'codes',
    L.huberLoss,
    naive.huber,
    (t, p) => tf.losses.huberLoss(t, p, undefined, 1, R),
  ],
  [
    'smoothL1Loss(1/9)',
    'codes',
    (t, p) => L.smoothL1Loss(t, p, { beta: 1 / 9 }),
    naive.smoothL1,
    null,
  ],
  ['weightedSmoothL1Localization', 'codes', L.weightedSmoothL1LocalizationLoss, naive.huber, null],
  ['iouLoss', 'boxes', L.iouLoss, naiveBox('iou'), null],
  ['giouLoss', 'boxes', L.giouLoss, naiveBox('giou'), null],
  ['diouLoss', 'boxes', L.diouLoss, naiveBox('diou'), null],
  ['ciouLoss', 'boxes', L.ciouLoss, naiveBox('ciou'), null],
  ['sigmoidFocalLoss', 'logits', L.sigmoidFocalLoss, naive.focal, null],
  ['penaltyReducedFocalLoss', 'heatmap', L.penaltyReducedFocalLoss, naive.prfl, null],
  [
    'sigmoidCrossEntropy',
    'logits',
    L.sigmoidCrossEntropy,
    naive.sigmoidCE,
    (t, x) => tf.losses.sigmoidCrossEntropy(t, x, undefined, 0, R),
  ],
  [
    'softmaxCrossEntropy',
    'onehot',
    L.softmaxCrossEntropy,
    naive.softmaxCE,
    (t, x) => tf.losses.softmaxCrossEntropy(t, x, undefined, 0, R),
  ],
  [
    'binaryCrossentropy',
    'probs',
    L.binaryCrossentropy,
    naive.bce,
    (t, p) => tf.losses.logLoss(t, p, undefined, 1e-7, R),
  ],
  [
    'hingeLoss',
    'logits',
    L.hingeLoss,
    naive.hinge,
    (t, p) => tf.losses.hingeLoss(t, p, undefined, R),
  ],
];

const rows = [];
let worst = 0;
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const [name, kind, ours, nv, ref] of cases) {
    if (only && !name.includes(only)) continue;
    const big = kind === 'logits' || kind === 'heatmap' || kind === 'probs' || kind === 'onehot';
    let scale = defaultScale;
    if (backend === 'cpu') scale = Math.min(big ? cpuClassScale : cpuScale, defaultScale);
    if (backend === 'wasm' && big) scale = Math.min(wasmScale, defaultScale);
    const anchors = Math.round(20000 * scale);
    const [t, p] = makeInputs(kind, anchors);
    const [a, b, c] = timeAll(
      [fwdBwd(ours, t, p), nv && fwdBwd(nv, t, p), ref && fwdBwd(ref, t, p)],
      reps,
    );
    tf.dispose([t, p]);
    // Ratios use the minimum over repetitions (least disturbed by other load on the machine).
    const ratio = c ? a.min / c.min : null;
    if (ratio) worst = Math.max(worst, ratio);
    const fmt = (m) => (m ? `${m.min.toFixed(1)} / ${m.median.toFixed(1)}` : '-');
    rows.push({
      backend,
      loss: name,
      shape: `[${p.shape.join('x')}]`,
      'ours ms': fmt(a),
      'naive ms': fmt(b),
      'tf.losses ms': fmt(c),
      'ours/naive': b ? (a.min / b.min).toFixed(2) : '-',
      'ours/tf.losses': ratio ? ratio.toFixed(2) : '-',
    });
    console.error(`done ${backend} ${name}`);
  }
}
console.log(
  `\nforward+backward (tf.grad of the default SUM_BY_NONZERO_WEIGHTS loss); ms = min / median of ${reps} after 1 warm-up; ratios of the minima`,
);
console.table(rows);
console.log(
  `worst ours/tf.losses: ${worst.toFixed(2)} (${worst <= 1.05 ? 'OK <= 1.05' : 'ABOVE 1.05'})`,
);
