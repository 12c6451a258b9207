#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) the burnin authors. Written for this repository (see apps/trainer/LICENSE).
"""PyTorch CPU twin of the trainer's demo detector, for speed comparisons.

Same network as `createDetector` in apps/trainer/src/model/centernet.ts (same ConvSpec list,
kernel sizes, strides, TF 'same' padding done with explicit F.pad, relu placement, nearest 2x
upsampling adds, 1x1 heads), the same loss as `detectionLoss` in apps/trainer/src/model/loss.ts
(penalty-reduced focal loss on the heatmap logits, sum / max(1, N), plus 2 x mean GIoU loss of
the boxes decoded at the object centre cells as `regToBoxes` does), Adam lr 1e-3.

Inputs are synthetic: uniform random images and 1..4 random boxes per image (3 classes),
encoded into CenterNet targets exactly as apps/trainer/src/model/targets.ts does. A pool of
batches is PRE-GENERATED before timing (target encoding is not part of the timed step).

Usage (defaults shown):
  python3 apps/trainer/bench/torch_centernet.py --threads 2 --steps 20 --warmup 3 \
      --image-size 96 --batch 8 --widths 16,32,48 --head 32 --classes 3 --memory-format channels_last
channels_last is the default: 10-15% faster than contiguous NCHW here at 1 and 2 threads.
Prints '# ...' lines, then exactly one final line 'torch ms/step X' (median of the timed steps).
"""

import argparse
import math
import random
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

OUTPUT_STRIDE = 4
SIZE_UNIT = 16.0
SIZE_LOGIT_LIMIT = 6.0
HEATMAP_BIAS_INIT = -2.19


def conv_specs(widths, head, classes):
    """apps/trainer/src/model/centernet.ts convSpecs: (name, k, cin, cout, bias, std)."""
    w1, w2, w3 = widths
    return [
        ("stem", 3, 3, w1, 0.0, None),  # s2
        ("c2", 3, w1, w2, 0.0, None),  # s4
        ("c3", 3, w2, w3, 0.0, None),  # s8
        ("c4", 3, w3, w3, 0.0, None),  # s8
        ("c5", 3, w3, w3, 0.0, None),  # s16
        ("c6", 3, w3, w3, 0.0, None),  # s16
        ("p3", 3, w3, w3, 0.0, None),  # s8 after top-down add
        ("lat", 1, w3, w2, 0.0, None),  # s8 -> s4 lateral
        ("head", 3, w2, head, 0.0, None),  # s4 trunk
        ("hm", 1, head, classes, HEATMAP_BIAS_INIT, 0.01),
        ("reg", 1, head, 4, 0.0, 0.01),
    ]


def expected_params(widths, head, classes):
    # Demo config (widths 16,32,48, head 32, classes 3): 113,143 parameters
    #   stem 448 + c2 4,640 + c3 13,872 + c4/c5/c6/p3 4 x 20,784 + lat 1,568 + head 9,248
    #   + hm 99 + reg 132 = 113,143 (= parameterCount(createDetector(demo)) in tfjs).
    return sum(k * k * cin * cout + cout for _, k, cin, cout, _, _ in conv_specs(widths, head, classes))


def tf_same_pad(x, k, stride):
    """Explicit TF 'same' padding: total max((ceil(n/s)-1)*s + k - n, 0), the extra pixel
    at the bottom/right (stride 2, k 3, even n: 0 top/left, 1 bottom/right)."""
    h, w = x.shape[-2], x.shape[-1]

    def amounts(n):
        out = -(-n // stride)
        total = max((out - 1) * stride + k - n, 0)
        return total // 2, total - total // 2

    top, bottom = amounts(h)
    left, right = amounts(w)
    if top == bottom == left == right == 0:
        return x
    return F.pad(x, (left, right, top, bottom))


class Detector(torch.nn.Module):
    def __init__(self, widths, head, classes, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.convs = torch.nn.ModuleDict()
        for name, k, cin, cout, bias, std in conv_specs(widths, head, classes):
            conv = torch.nn.Conv2d(cin, cout, k, bias=True)  # padding done explicitly
            s = std if std is not None else math.sqrt(2.0 / (k * k * cin))  # He normal
            with torch.no_grad():
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=g) * s)
                conv.bias.fill_(bias)
            self.convs[name] = conv

    def conv(self, x, name, stride, relu=True):
        c = self.convs[name]
        k = c.kernel_size[0]
        y = F.conv2d(tf_same_pad(x, k, stride), c.weight, c.bias, stride=stride)
        return F.relu(y) if relu else y

    def forward(self, images):
        x = images * 2 - 1
        s2 = self.conv(x, "stem", 2)
        s4 = self.conv(s2, "c2", 2)
        s8a = self.conv(s4, "c3", 2)
        s8 = self.conv(s8a, "c4", 1)
        s16a = self.conv(s8, "c5", 2)
        s16 = self.conv(s16a, "c6", 1)
        # tf.image.resizeNearestNeighbor (no align corners, no half-pixel centres) at exactly 2x
        # picks src = floor(dst / 2), as torch's 'nearest' does.
        td = s8 + F.interpolate(s16, size=s8.shape[-2:], mode="nearest")
        p3 = self.conv(td, "p3", 1)
        lat = self.conv(p3, "lat", 1, relu=False)
        p2 = s4 + F.interpolate(lat, size=s4.shape[-2:], mode="nearest")
        trunk = self.conv(p2, "head", 1)
        return self.conv(trunk, "hm", 1, relu=False), self.conv(trunk, "reg", 1, relu=False)


def gaussian_radius(h, w, m=0.7):
    """apps/trainer/src/model/targets.ts gaussianRadius."""
    b1 = h + w
    c1 = w * h * (1 - m) / (1 + m)
    r1 = (b1 - math.sqrt(max(0.0, b1 * b1 - 4 * c1))) / 2
    b2 = 2 * (h + w)
    c2 = (1 - m) * w * h
    r2 = (b2 - math.sqrt(max(0.0, b2 * b2 - 16 * c2))) / 8
    b3 = 2 * m * (h + w)
    c3 = (1 - m) * w * h
    r3 = (-b3 + math.sqrt(b3 * b3 + 16 * m * c3)) / (8 * m)
    return max(0.0, min(r1, r2, r3))


def make_batch(rng, batch, size, classes, max_objects=4):
    """Random images + targets encoded as encodeTargets does. Heatmap NCHW [B, C, H, W]."""
    H = W = size // OUTPUT_STRIDE
    heat = torch.zeros(batch, classes, H, W)
    centers, boxes = [], []
    for b in range(batch):
        for _ in range(1 + rng.randrange(max_objects)):
            side = round(math.exp(rng.uniform(math.log(6), math.log(size // 2))))
            bw, bh = side, max(6, round(side * rng.uniform(0.7, 1.3)))
            x1, y1 = rng.randrange(size - bw + 1), rng.randrange(size - bh + 1)
            x2, y2 = x1 + bw, y1 + bh
            cls = rng.randrange(classes)
            cx, cy = (x1 + x2) / 2 / OUTPUT_STRIDE, (y1 + y2) / 2 / OUTPUT_STRIDE
            ix, iy = min(W - 1, max(0, math.floor(cx))), min(H - 1, max(0, math.floor(cy)))
            r = max(0, math.floor(gaussian_radius(bh / OUTPUT_STRIDE, bw / OUTPUT_STRIDE)))
            sigma = (2 * r + 1) / 6
            for y in range(max(0, iy - r), min(H - 1, iy + r) + 1):
                for x in range(max(0, ix - r), min(W - 1, ix + r) + 1):
                    v = math.exp(-((x - ix) ** 2 + (y - iy) ** 2) / (2 * sigma * sigma))
                    if v > heat[b, cls, y, x]:
                        heat[b, cls, y, x] = v
            heat[b, cls, iy, ix] = 1.0
            centers.append((b, iy, ix))
            boxes.append((x1, y1, x2, y2))
    images = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(rng.randrange(2**31)))
    return images, heat, torch.tensor(centers, dtype=torch.long), torch.tensor(boxes, dtype=torch.float32)


def focal_sum(target, logits, alpha=2, beta=4):
    """penaltyReducedFocalLoss (packages/losses/src/focal.ts), reduction SUM."""
    pos = target == 1
    neg_weight = (1 - target) ** beta
    p = torch.sigmoid(logits)
    q = torch.sigmoid(-logits)
    pos_loss = q**alpha * F.softplus(-logits)  # -(1-p)^a log p
    neg_loss = neg_weight * p**alpha * F.softplus(logits)  # -(1-t)^b p^a log(1-p)
    return torch.where(pos, pos_loss, neg_loss).sum()


def reg_to_boxes(reg, cells):
    """apps/trainer/src/model/decode.ts regToBoxes: reg [N, 4], cells [N, 2] (row, col)."""
    w = torch.exp(reg[:, 0].clamp(-SIZE_LOGIT_LIMIT, SIZE_LOGIT_LIMIT)) * SIZE_UNIT
    h = torch.exp(reg[:, 1].clamp(-SIZE_LOGIT_LIMIT, SIZE_LOGIT_LIMIT)) * SIZE_UNIT
    cx = (cells[:, 1] + torch.sigmoid(reg[:, 2])) * OUTPUT_STRIDE
    cy = (cells[:, 0] + torch.sigmoid(reg[:, 3])) * OUTPUT_STRIDE
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)


def giou_loss(gt, pred, eps=1e-7):
    """giouLoss (packages/losses/src/box-losses.ts, torchvision semantics), per box."""
    x1 = torch.maximum(gt[:, 0], pred[:, 0])
    y1 = torch.maximum(gt[:, 1], pred[:, 1])
    x2 = torch.minimum(gt[:, 2], pred[:, 2])
    y2 = torch.minimum(gt[:, 3], pred[:, 3])
    inter = (x2 - x1).clamp(min=0) * (y2 - y1).clamp(min=0)
    area_g = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    area_p = (pred[:, 2] - pred[:, 0]) * (pred[:, 3] - pred[:, 1])
    union = area_g + area_p - inter
    iou = inter / (union + eps)
    cw = torch.maximum(gt[:, 2], pred[:, 2]) - torch.minimum(gt[:, 0], pred[:, 0])
    ch = torch.maximum(gt[:, 3], pred[:, 3]) - torch.minimum(gt[:, 1], pred[:, 1])
    c = cw * ch
    return 1 - iou + (c - union) / (c + eps)


def detection_loss(model, images, heat, centers, boxes, w_heat=1.0, w_box=2.0):
    hm, reg = model(images)
    n = centers.shape[0]
    focal = focal_sum(heat, hm) / max(1, n)
    total = w_heat * focal
    if n > 0:
        b, r, c = centers[:, 0], centers[:, 1], centers[:, 2]
        reg_at = reg[b, :, r, c]  # [N, 4] at the centre cells
        cells = torch.stack([r, c], 1).to(reg.dtype)
        total = total + w_box * giou_loss(boxes, reg_to_boxes(reg_at, cells)).mean()
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps")
    ap.add_argument("--image-size", type=int, default=96)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--widths", default="16,32,48")
    ap.add_argument("--head", type=int, default=32)
    ap.add_argument("--classes", type=int, default=3)
    ap.add_argument("--pool", type=int, default=4, help="pre-generated batches, cycled")
    ap.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="channels_last")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--verbose", action="store_true", help="print every step time")
    a = ap.parse_args()
    widths = [int(v) for v in a.widths.split(",")]
    if len(widths) != 3 or a.image_size % 16 != 0 or a.image_size < 32:
        sys.exit("need 3 widths and an image size that is a multiple of 16 >= 32")
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    model = Detector(widths, a.head, a.classes, a.seed)
    params = sum(p.numel() for p in model.parameters())
    expected = expected_params(widths, a.head, a.classes)
    if params != expected:
        sys.exit(f"parameter count {params} != {expected} of the tfjs ConvSpec list")
    mf = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    model = model.to(memory_format=mf)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = random.Random(a.seed)
    pool = []
    for _ in range(a.pool):
        images, heat, centers, boxes = make_batch(rng, a.batch, a.image_size, a.classes)
        pool.append((images.contiguous(memory_format=mf), heat, centers, boxes))
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}, {a.memory_format}")
    print(f"# params {params} (tfjs ConvSpec list: {expected})")
    print(
        f"# image {a.image_size}, batch {a.batch}, widths {a.widths}, head {a.head}, classes {a.classes}; "
        f"{a.pool} pre-generated batches ({sum(p[2].shape[0] for p in pool)} objects), {a.warmup} warm-up + {a.steps} timed steps"
    )

    times = []
    loss = None
    for i in range(a.warmup + a.steps):
        images, heat, centers, boxes = pool[i % len(pool)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = detection_loss(model, images, heat, centers, boxes)
        loss.backward()
        opt.step()
        lv = loss.item()
        t1 = time.perf_counter()
        if i >= a.warmup:
            times.append((t1 - t0) * 1000)
        if a.verbose: print(f"# step {i} {(t1 - t0) * 1000:.1f} ms")
    print(f"# last loss {lv:.4f}; min {min(times):.2f} ms, mean {statistics.fmean(times):.2f} ms")
    print(f"torch ms/step {statistics.median(times):.2f}")


if __name__ == "__main__":
    main()
