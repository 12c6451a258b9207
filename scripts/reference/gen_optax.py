"""Reference values of optax.schedules (optax 0.2.8 on jax 0.10.2, CPU, float64).

Writes packages/schedules/test/fixtures/optax-random.json: seeded random configurations per
family, `expected[i]` = `schedule(steps[i])`, computed with `jax_enable_x64` so that optax's
formulas run in float64 (jax's default float32 rounds the options themselves, which an
exponential with 250 steps turns into a relative error of 1e-5).

    python3 scripts/reference/gen_optax.py
"""

import random
import re

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
import optax

from common import clean, steps_for, write

SEED = 20260117


def snake(k):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)


def run(fn, opts, steps):
    f = getattr(optax, snake(fn))(**{snake(k): v for k, v in opts.items()})
    vals = [np.asarray(f(jnp.asarray(s, dtype=jnp.int64))) for s in steps]
    return {"lib": "optax", "fn": fn, "opts": opts, "steps": steps, "expected": [clean(v) for v in vals]}


def main():
    rng = random.Random(SEED)
    r6 = lambda x: float(f"{x:.6g}")  # noqa: E731
    val = lambda: r6(10 ** rng.uniform(-4, 0))  # noqa: E731
    cases = []

    def add(fn, opts, last):
        cases.append(run(fn, opts, steps_for(rng, last)))

    for _ in range(30):
        add(
            "polynomialSchedule",
            {
                "initValue": val(),
                "endValue": val(),
                "power": r6(rng.uniform(0, 3)),
                "transitionSteps": rng.randint(1, 100),
                "transitionBegin": rng.randint(0, 30),
            },
            200,
        )
    for _ in range(30):
        add(
            "linearSchedule",
            {"initValue": val(), "endValue": val(), "transitionSteps": rng.randint(1, 100)},
            150,
        )
    for _ in range(30):
        o = {
            "initValue": val(),
            "transitionSteps": rng.randint(1, 40),
            "decayRate": r6(rng.uniform(0.3, 1.2)),
            "transitionBegin": rng.randint(0, 20),
            "staircase": rng.random() < 0.5,
        }
        if rng.random() < 0.5:
            o["endValue"] = r6(o["initValue"] * rng.uniform(0.01, 2))
        add("exponentialDecay", o, 300)
    for _ in range(30):
        add(
            "cosineDecaySchedule",
            {
                "initValue": val(),
                "decaySteps": rng.randint(1, 150),
                "alpha": r6(rng.uniform(0, 0.5)),
                "exponent": r6(rng.choice([1.0, rng.uniform(0.5, 3)])),
            },
            200,
        )
    for _ in range(30):
        w = rng.randint(0, 50)
        add(
            "warmupCosineDecaySchedule",
            {
                "initValue": val(),
                "peakValue": val(),
                "warmupSteps": w,
                "decaySteps": w + rng.randint(1, 150),
                "endValue": r6(rng.uniform(0, 1e-3)),
                "exponent": r6(rng.choice([1.0, rng.uniform(0.5, 3)])),
            },
            250,
        )
    for _ in range(40):  # issue 16: the new warmup_constant_schedule (0 warm-up steps included)
        add(
            "warmupConstantSchedule",
            {"initValue": val(), "peakValue": val(), "warmupSteps": rng.choice([0, 1, rng.randint(2, 100)])},
            150,
        )
    for _ in range(20):
        add(
            "linearOnecycleSchedule",
            {
                "transitionSteps": rng.randint(10, 200),
                "peakValue": val(),
                "pctStart": r6(rng.uniform(0.1, 0.4)),
                "pctFinal": r6(rng.uniform(0.5, 0.9)),
                "divFactor": r6(rng.uniform(5, 50)),
                "finalDivFactor": r6(rng.uniform(10, 1e4)),
            },
            250,
        )
    for _ in range(20):
        add(
            "cosineOnecycleSchedule",
            {
                "transitionSteps": rng.randint(10, 200),
                "peakValue": val(),
                "pctStart": r6(rng.uniform(0.1, 0.9)),
                "divFactor": r6(rng.uniform(5, 50)),
                "finalDivFactor": r6(rng.uniform(10, 1e4)),
            },
            250,
        )
    note = f"optax {optax.__version__} on jax {jax.__version__} (jax_enable_x64: float64); scripts/reference/gen_optax.py, seed {SEED}"
    write("optax-random.json", note, cases)


if __name__ == "__main__":
    main()
