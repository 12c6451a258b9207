#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) the burnin authors. Written for this repository (see packages/backend/LICENSE).
"""PyTorch CPU twins of bench.mjs' two workloads, for `torch ms/epoch` at a thread count.

  python3 torch_tiny_cnn.py [threads] [--model tiny|detection] [--epochs E] [--warmup W]

tiny (default): exactly bench.mjs' tinyCnn: 32x32x3, conv8 3x3 'valid' relu, maxpool 2,
  conv16 3x3 'valid' relu, batch norm (Keras eps 1e-3, momentum 0.99), maxpool 2, flatten
  (16*6*6), dense 4; Adam 1e-3 (eps 1e-7 as tfjs), MSE; 256 samples, batch 32.
  (/work/shared/bench/torch_tiny_cnn.py, the first twin, uses padding=1: 32->32->16->16->8,
  a dense layer of 16*8*8 inputs, i.e. ~1.4x the conv work of the tfjs model.)
detection: bench.mjs' detectionModel: 128x128x3, batch 8, 64 samples; three conv3x3-s2 (TF
  'same' padding: 0 top/left, 1 bottom/right) + BN + relu stages of 16/32/64, conv3x3 64 relu,
  nearest 2x upsample, concat with the stride-4 features, conv3x3 32 relu, 1x1 heads (3
  sigmoid, 2, 2) concatenated; MSE against [7, 32, 32] targets.

W untimed warm-up epochs (default 1), then E timed epochs (default 3). Prints '# ...' lines, then
'torch ms/epoch N' (median of the timed epochs) as the last line.
"""

import argparse
import resource
import statistics
import time
import warnings

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


def bn(c):
    # Keras BatchNormalization defaults: epsilon 1e-3, moving-average momentum 0.99.
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


def tiny():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        bn(16),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 6 * 6, 4),
    )


class SamePadConv(nn.Conv2d):
    """Conv2d with TF 'same' padding (extra pixel bottom/right), done with F.pad."""

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        n = x.shape[-1]
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        lo, hi = total // 2, total - total // 2
        return super().forward(F.pad(x, (lo, hi, lo, hi)) if total else x)


class Detection(nn.Module):
    def __init__(self):
        super().__init__()

        def stage(cin, cout):
            return nn.Sequential(SamePadConv(cin, cout, 3, stride=2, bias=False), bn(cout), nn.ReLU())

        self.s2, self.s4, self.s8 = stage(3, 16), stage(16, 32), stage(32, 64)
        self.deep = SamePadConv(64, 64, 3)
        self.neck = SamePadConv(96, 32, 3)
        self.heat, self.size, self.offset = nn.Conv2d(32, 3, 1), nn.Conv2d(32, 2, 1), nn.Conv2d(32, 2, 1)

    def forward(self, x):
        s4 = self.s4(self.s2(x))
        up = F.interpolate(F.relu(self.deep(self.s8(s4))), scale_factor=2, mode="nearest")
        neck = F.relu(self.neck(torch.cat([up, s4], 1)))
        return torch.cat([torch.sigmoid(self.heat(neck)), self.size(neck), self.offset(neck)], 1)


WORKLOADS = {
    "tiny": (tiny, (3, 32, 32), (4,), 256, 32),
    "detection": (Detection, (3, 128, 128), (7, 32, 32), 64, 8),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("threads", nargs="?", type=int, default=2)
    ap.add_argument("--model", choices=sorted(WORKLOADS), default="tiny")
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs after the warm-up epochs")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up epochs")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    build, in_shape, out_shape, samples, batch = WORKLOADS[a.model]
    m = build()
    opt = torch.optim.Adam(m.parameters(), 1e-3, eps=1e-7)
    x = torch.rand(samples, *in_shape)
    y = torch.rand(samples, *out_shape)

    def epoch():
        for i in range(0, samples, batch):
            opt.zero_grad()
            loss = F.mse_loss(m(x[i : i + batch]), y[i : i + batch])
            loss.backward()
            opt.step()
        return loss.item()

    for _ in range(a.warmup):
        epoch()
    times = []
    for _ in range(a.epochs):
        t = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - t) * 1000)
    params = sum(p.numel() for p in m.parameters())
    print(f"# torch {torch.__version__}, {a.model}, threads {torch.get_num_threads()}, params {params}")
    print(f"# epochs ms: {', '.join(f'{t:.1f}' for t in times)}")
    print(f"# maxrss_kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
    print(f"torch ms/epoch {statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
