"""Reference values of darknet's `policy=random` (and its burn-in), from glibc's own rand().

darknet's get_current_rate returns `learning_rate * pow(rand_uniform(0, 1), power)` for the
random policy, `rand_uniform(0, 1)` being `(float)rand() / RAND_MAX` in float arithmetic, and
`learning_rate * pow((float)batch / burn_in, power)` during burn-in. This script calls the C
library's srand/rand through ctypes (glibc, Linux) and evaluates that formula in double after the
float division; one rand() per batch from the end of burn-in on. Writes
packages/schedules/test/fixtures/darknet-random.json.

    python3 scripts/reference/gen_darknet.py
"""

import ctypes
import random

import numpy as np

from common import clean, write

SEED = 20260118
libc = ctypes.CDLL("libc.so.6")
libc.rand.restype = ctypes.c_int
libc.srand.argtypes = [ctypes.c_uint]


def run(opts, last):
    libc.srand(opts["seed"])
    lr, burn, power = opts["learningRate"], opts["burnIn"], opts["power"]
    steps, expected = [], []
    for b in range(last + 1):
        if b < burn:
            v = lr * (b / burn) ** power
        else:
            u = np.float32(np.float32(libc.rand()) / np.float32(2147483647))
            v = lr * float(u) ** power
        steps.append(b)
        expected.append(clean(v))
    return {"lib": "darknet", "fn": "schedule", "opts": opts, "steps": steps, "expected": expected}


def main():
    rng = random.Random(SEED)
    cases = []
    seeds = [0, 1, 2, 42, 2**31 - 1, 2**31, 2**32 - 1] + [rng.randint(0, 2**32 - 1) for _ in range(93)]
    for seed in seeds:
        opts = {
            "learningRate": float(f"{10 ** rng.uniform(-4, -1):.6g}"),
            "burnIn": rng.choice([0, 0, rng.randint(1, 20)]),
            "power": rng.choice([1.0, 2.0, 4.0, float(f"{rng.uniform(0.5, 5):.4g}")]),
            "policy": "random",
            "seed": seed,
        }
        cases.append(run(opts, rng.randint(20, 60)))
    write("darknet-random.json", f"glibc rand() via ctypes, darknet's formula; scripts/reference/gen_darknet.py, seed {SEED}", cases)


if __name__ == "__main__":
    main()
