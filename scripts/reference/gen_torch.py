"""Reference values of torch.optim.lr_scheduler (PyTorch 2.13, CPU, float64 Python floats).

Writes packages/schedules/test/fixtures/torch-random.json: random configurations of every
scheduler @burnin/schedules ports (seeded, so the file is reproduced byte for byte), plus the
edge cases of issue 16. `expected[i]` is `optimizer.param_groups[0]['lr']` (or `'momentum'`
for the *Momentum companions) after `steps[i]` calls to `scheduler.step()`. When torch raises
at a step, that step is the last of `steps` and its `expected` is null; `"raises": "construct"`
marks options whose constructor raises.

    python3 scripts/reference/gen_torch.py
"""

import math
import random
import warnings

import torch
from torch.optim import lr_scheduler as S
from torch.optim.swa_utils import SWALR

from common import clean, steps_for, write

SEED = 20260116
warnings.filterwarnings("ignore")

# Fixed lambdas, defined identically in packages/schedules/test/torch-random.test.ts.
LAMBDAS = {
    "pow095": lambda e: 0.95**e,
    "inv1p": lambda e: 1 / (1 + e),
    "warmup10": lambda e: min(1.0, (e + 1) / 10),
    "const095": lambda e: 0.95,
    "halfpow": lambda x: 0.5 ** (x - 1),
}

CLASSES = {
    "stepLR": (S.StepLR, {"stepSize": "step_size", "gamma": "gamma"}),
    "multiStepLR": (S.MultiStepLR, {"milestones": "milestones", "gamma": "gamma"}),
    "constantLR": (S.ConstantLR, {"factor": "factor", "totalIters": "total_iters"}),
    "linearLR": (
        S.LinearLR,
        {"startFactor": "start_factor", "endFactor": "end_factor", "totalIters": "total_iters"},
    ),
    "exponentialLR": (S.ExponentialLR, {"gamma": "gamma"}),
    "polynomialLR": (S.PolynomialLR, {"totalIters": "total_iters", "power": "power"}),
    "cosineAnnealingLR": (S.CosineAnnealingLR, {"tMax": "T_max", "etaMin": "eta_min"}),
    "cosineAnnealingWarmRestarts": (
        S.CosineAnnealingWarmRestarts,
        {"t0": "T_0", "tMult": "T_mult", "etaMin": "eta_min"},
    ),
    "lambdaLR": (S.LambdaLR, {"lrLambda": "lr_lambda"}),
    "multiplicativeLR": (S.MultiplicativeLR, {"lrLambda": "lr_lambda"}),
    "swaLR": (
        SWALR,
        {"swaLr": "swa_lr", "annealEpochs": "anneal_epochs", "annealStrategy": "anneal_strategy"},
    ),
    "cyclicLR": (
        S.CyclicLR,
        {
            "baseLr": "base_lr",
            "maxLr": "max_lr",
            "stepSizeUp": "step_size_up",
            "stepSizeDown": "step_size_down",
            "mode": "mode",
            "gamma": "gamma",
            "scaleFn": "scale_fn",
            "scaleMode": "scale_mode",
            "cycleMomentum": "cycle_momentum",
            "baseMomentum": "base_momentum",
            "maxMomentum": "max_momentum",
        },
    ),
    "oneCycleLR": (
        S.OneCycleLR,
        {
            "maxLr": "max_lr",
            "totalSteps": "total_steps",
            "pctStart": "pct_start",
            "annealStrategy": "anneal_strategy",
            "divFactor": "div_factor",
            "finalDivFactor": "final_div_factor",
            "threePhase": "three_phase",
            "cycleMomentum": "cycle_momentum",
            "baseMomentum": "base_momentum",
            "maxMomentum": "max_momentum",
        },
    ),
}
CLASSES["cyclicLRMomentum"] = CLASSES["cyclicLR"]
CLASSES["oneCycleLRMomentum"] = CLASSES["oneCycleLR"]


def kwargs(fn, opts):
    names = CLASSES[fn][1]
    out = {}
    for k, v in opts.items():
        if k == "lr":
            continue
        if k in ("lrLambda", "scaleFn"):
            v = LAMBDAS[v]
        out[names[k]] = v
    return out


def build(fn, opts, optimizer):
    if fn == "chainedScheduler":
        return S.ChainedScheduler(
            [build(c["type"].split(".")[1], c["options"], optimizer) for c in opts["schedulers"]]
        )
    return CLASSES[fn][0](optimizer, **kwargs(fn, opts))


def first_lr(fn, opts):
    if fn == "chainedScheduler":
        return opts["schedulers"][0]["options"]["lr"]
    return opts.get("lr", 0.1)


def run(fn, opts, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=first_lr(fn, opts), momentum=0.9)
    key = "momentum" if fn.endswith("Momentum") else "lr"
    case = {"lib": "torch", "fn": fn, "opts": opts}
    try:
        sched = build(fn, opts, optimizer)
    except (ZeroDivisionError, ValueError) as e:
        case.update(steps=[0], expected=[None], raises="construct", error=type(e).__name__)
        return case
    want = set(steps)
    got_steps, got = [], []
    n = 0
    for target in steps:
        try:
            while n < target:
                sched.step()
                n += 1
        except (ZeroDivisionError, ValueError) as e:
            got_steps.append(n + 1)  # the call that raised (torch counts it before get_lr)
            got.append(None)
            case["error"] = type(e).__name__
            break
        if target in want:
            got_steps.append(target)
            got.append(clean(optimizer.param_groups[0][key]))
    case.update(steps=got_steps, expected=got)
    return case


def r6(x):
    return float(f"{x:.6g}")


def main():
    rng = random.Random(SEED)
    lr = lambda: r6(10 ** rng.uniform(-4, 0))  # noqa: E731
    unit = lambda lo=0.0, hi=1.0: r6(rng.uniform(lo, hi))  # noqa: E731
    cases = []

    def add(fn, opts, last):
        cases.append(run(fn, opts, steps_for(rng, last)))

    for _ in range(30):
        add("stepLR", {"lr": lr(), "stepSize": rng.randint(1, 40), "gamma": unit(0, 1.5)}, 200)
    for _ in range(30):
        ms = sorted(rng.randint(0, 150) for _ in range(rng.randint(0, 5)))
        add("multiStepLR", {"lr": lr(), "milestones": ms, "gamma": unit(0, 1.2)}, 200)
    for _ in range(30):
        add("constantLR", {"lr": lr(), "factor": unit(), "totalIters": rng.randint(0, 60)}, 120)
    for ti in (0, 0, 1, 7):  # issue 16, causes 1 and 2
        add("constantLR", {"lr": lr(), "factor": unit(0.01, 1), "totalIters": 0}, 60)
        add("constantLR", {"lr": lr(), "factor": 0.0, "totalIters": ti}, 60)
    for _ in range(30):
        add(
            "linearLR",
            {
                "lr": lr(),
                "startFactor": unit(0.01, 1),
                "endFactor": unit(),
                "totalIters": rng.randint(1, 80),
            },
            150,
        )
    for _ in range(30):
        add("exponentialLR", {"lr": lr(), "gamma": unit(0.8, 1.05)}, 300)
    for _ in range(30):
        add(
            "polynomialLR",
            {"lr": lr(), "totalIters": rng.randint(1, 100), "power": unit(0, 3)},
            150,
        )
    for _ in range(30):
        add(
            "cosineAnnealingLR",
            {"lr": lr(), "tMax": rng.randint(1, 80), "etaMin": r6(rng.choice([0, 1e-6, 1e-4]))},
            250,
        )
    for _ in range(30):
        add(
            "cosineAnnealingWarmRestarts",
            {
                "lr": lr(),
                "t0": rng.randint(1, 30),
                "tMult": rng.randint(1, 3),
                "etaMin": r6(rng.choice([0, 1e-5])),
            },
            300,
        )
    for i in range(40):
        base = lr()
        o = {
            "baseLr": base,
            "maxLr": r6(base * rng.uniform(1, 20)),
            "stepSizeUp": rng.randint(1, 30),
            "stepSizeDown": rng.choice([None, rng.randint(1, 30)]),
            "mode": rng.choice(["triangular", "triangular2", "exp_range"]),
            "gamma": unit(0.95, 1),
        }
        if i % 3 == 0:
            o["scaleFn"] = rng.choice(["halfpow", "inv1p", "pow095"])
            o["scaleMode"] = rng.choice(["cycle", "iterations"])
        add("cyclicLR", o, 200)
        if i % 3 == 1:
            o = dict(o, baseMomentum=unit(0.7, 0.85), maxMomentum=unit(0.86, 0.99))
            add("cyclicLRMomentum", o, 200)
    for i in range(40):
        total = rng.randint(2, 200)
        three = i % 4 == 0
        pct = unit(0.05, 0.45 if three else 0.95)
        o = {
            "maxLr": lr(),
            "totalSteps": total,
            "pctStart": pct,
            "annealStrategy": rng.choice(["cos", "linear"]),
            "divFactor": r6(rng.choice([25.0, 10.0, rng.uniform(2, 50)])),
            "finalDivFactor": r6(rng.choice([1e4, 100.0, rng.uniform(1, 1e5)])),
            "threePhase": three,
        }
        add("oneCycleLR", o, total)
        if i % 3 == 0:
            add("oneCycleLRMomentum", dict(o, baseMomentum=0.8, maxMomentum=0.97), total)
    # issue 16, cause 3: pct_start 1 (the last phase is empty: torch raises at totalSteps only)
    add("oneCycleLR", {"maxLr": 1.0, "totalSteps": 5, "pctStart": 1.0, "annealStrategy": "linear"}, 5)
    add("oneCycleLR", {"maxLr": 0.5, "totalSteps": 40, "pctStart": 1.0, "annealStrategy": "cos"}, 40)
    add("oneCycleLR", {"maxLr": 0.3, "totalSteps": 10, "pctStart": 0.1}, 10)  # empty first phase
    add("oneCycleLR", {"maxLr": 0.3, "totalSteps": 10, "pctStart": 0.5, "threePhase": True}, 10)
    add("oneCycleLR", {"maxLr": 0.3, "totalSteps": 20, "pctStart": 0.0}, 20)
    for _ in range(20):
        add("lambdaLR", {"lr": lr(), "lrLambda": rng.choice(["pow095", "inv1p", "warmup10"])}, 200)
    for _ in range(20):
        add(
            "multiplicativeLR",
            {"lr": lr(), "lrLambda": rng.choice(["const095", "inv1p", "warmup10"])},
            150,
        )
    chainable = ["constantLR", "linearLR", "exponentialLR", "stepLR", "multiStepLR", "polynomialLR"]
    for _ in range(20):
        base = lr()
        kids = []
        for fn in rng.sample(chainable, rng.randint(2, 3)):
            if fn == "constantLR":
                o = {"factor": unit(0.05, 1), "totalIters": rng.randint(0, 30)}
            elif fn == "linearLR":
                o = {"startFactor": unit(0.05, 1), "endFactor": unit(0.05, 1), "totalIters": rng.randint(1, 40)}
            elif fn == "exponentialLR":
                o = {"gamma": unit(0.9, 1)}
            elif fn == "stepLR":
                o = {"stepSize": rng.randint(1, 30), "gamma": unit(0.1, 0.9)}
            elif fn == "multiStepLR":
                o = {"milestones": sorted(rng.randint(1, 80) for _ in range(3)), "gamma": unit(0.1, 0.9)}
            else:
                o = {"totalIters": rng.randint(60, 150), "power": unit(0.5, 2)}
            kids.append({"type": f"torch.{fn}", "options": dict({"lr": base}, **o)})
        add("chainedScheduler", {"schedulers": kids}, 100)
    for _ in range(30):
        add(
            "swaLR",
            {
                "lr": lr(),
                "swaLr": lr(),
                "annealEpochs": rng.choice([0, 1, rng.randint(2, 40)]),
                "annealStrategy": rng.choice(["cos", "linear"]),
            },
            80,
        )
    note = (
        f"torch {torch.__version__} torch.optim.lr_scheduler / swa_utils.SWALR; "
        f"scripts/reference/gen_torch.py, seed {SEED}; lambdas: {', '.join(LAMBDAS)}"
    )
    write("torch-random.json", note, cases)


if __name__ == "__main__":
    main()
