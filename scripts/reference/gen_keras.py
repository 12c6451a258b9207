"""Reference values of keras.optimizers.schedules (Keras 3.15.1 on TensorFlow 2.21, float64).

Writes packages/schedules/test/fixtures/keras-random.json: seeded random configurations per
family, `expected[i]` = `schedule(steps[i])`, with float options passed as numpy float64 (Keras
takes its dtype from them) and the step as a float64 tensor, so that Keras's formulas run in
float64.

    python3 scripts/reference/gen_keras.py
"""

import os
import random
import re

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from common import clean, steps_for, write  # noqa: E402

SEED = 20260119
keras.config.set_floatx("float64")

CLASSES = {
    "exponentialDecay": keras.optimizers.schedules.ExponentialDecay,
    "inverseTimeDecay": keras.optimizers.schedules.InverseTimeDecay,
    "polynomialDecay": keras.optimizers.schedules.PolynomialDecay,
    "cosineDecay": keras.optimizers.schedules.CosineDecay,
    "cosineDecayRestarts": keras.optimizers.schedules.CosineDecayRestarts,
}


def snake(k):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)


def run(fn, opts, steps):
    # Float options as numpy float64: Keras takes its dtype from the converted initial rate.
    f = CLASSES[fn](
        **{snake(k): np.float64(v) if isinstance(v, float) else v for k, v in opts.items()}
    )
    vals = [np.asarray(f(keras.ops.convert_to_tensor(float(s), dtype="float64"))) for s in steps]
    return {"lib": "keras", "fn": fn, "opts": opts, "steps": steps, "expected": [clean(v) for v in vals]}


def main():
    rng = random.Random(SEED)
    r6 = lambda x: float(f"{x:.6g}")  # noqa: E731
    val = lambda: r6(10 ** rng.uniform(-4, 0))  # noqa: E731
    cases = []

    def add(fn, opts, last):
        cases.append(run(fn, opts, steps_for(rng, last)))

    for _ in range(25):
        add(
            "exponentialDecay",
            {
                "initialLearningRate": val(),
                "decaySteps": rng.randint(1, 50),
                "decayRate": r6(rng.uniform(0.3, 1.05)),
                "staircase": rng.random() < 0.5,
            },
            300,
        )
    for _ in range(25):
        add(
            "inverseTimeDecay",
            {
                "initialLearningRate": val(),
                "decaySteps": rng.randint(1, 50),
                "decayRate": r6(rng.uniform(0, 2)),
                "staircase": rng.random() < 0.5,
            },
            300,
        )
    for _ in range(25):
        add(
            "polynomialDecay",
            {
                "initialLearningRate": val(),
                "decaySteps": rng.randint(1, 100),
                "endLearningRate": r6(rng.uniform(0, 1e-4)),
                "power": r6(rng.uniform(0.5, 3)),
                "cycle": rng.random() < 0.5,
            },
            300,
        )
    for _ in range(25):
        o = {"initialLearningRate": val(), "decaySteps": rng.randint(1, 150), "alpha": r6(rng.uniform(0, 0.3))}
        if rng.random() < 0.5:
            o["warmupTarget"] = val()
            o["warmupSteps"] = rng.randint(1, 50)
        add("cosineDecay", o, 250)
    for _ in range(25):
        add(
            "cosineDecayRestarts",
            {
                "initialLearningRate": val(),
                "firstDecaySteps": rng.randint(1, 40),
                "tMul": r6(rng.choice([1.0, 2.0, rng.uniform(1, 3)])),
                "mMul": r6(rng.uniform(0.5, 1)),
                "alpha": r6(rng.uniform(0, 0.2)),
            },
            300,
        )
    write("keras-random.json", f"keras {keras.__version__} (floatx float64); scripts/reference/gen_keras.py, seed {SEED}", cases)


if __name__ == "__main__":
    main()
