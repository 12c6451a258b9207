"""Reference values of TF Object Detection API schedules (our TensorFlow transcription).

The TF OD API (`object_detection`, `utils/learning_schedules.py`) is not on the local package
index, so this script transcribes the semantics of the functions @burnin/schedules ports into
TensorFlow ops of its own (eager, float32 as TF OD API computes): `exponential_decay_with_burnin`,
`exponential_decay_with_warmup`, `cosine_decay_with_warmup` and `manual_stepping`.

It first proves the transcription: every `tfod` case of shared/reference/schedules.json (computed
by the real TF OD API on TensorFlow 2.21) must come out bit for bit (at most 1 ulp of float32);
otherwise it prints the largest ulp difference and exits 1 without writing anything. Then it
writes packages/schedules/test/fixtures/tfod-random.json: seeded random configurations of each
function (reproduced byte for byte) and their edge cases. `expected[i]` is the float32 value at
global step `steps[i]`, as a double; `"raises": "construct"` marks options TF raises on at
every call (`warmup_steps` 0 in `exponential_decay_with_warmup`: it divides by it).

    /work/venv/bin/python scripts/reference/gen_tfod.py
"""

import json
import math
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from common import ROOT, clean, steps_for, write  # noqa: E402

SEED = 20260201
F32 = tf.float32
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "reference", "schedules.json")
if not os.path.exists(SHARED):
    SHARED = os.path.join(ROOT, "shared", "reference", "schedules.json")


def _decay(base, step, decay_steps, factor, staircase):
    """tf.compat.v1.train.exponential_decay: base * factor ** (step / decay_steps), float32."""
    exponent = tf.cast(step, F32) / tf.cast(decay_steps, F32)
    if staircase:
        exponent = tf.floor(exponent)
    return tf.constant(base, F32) * tf.pow(tf.constant(factor, F32), exponent)


def burnin(step, o):
    base = o["learningRateBase"]
    held = o.get("burninLearningRate", 0.0) or base  # 0 means "use the base rate"
    n = o.get("burninSteps", 0)
    after = _decay(
        base,
        step - n,
        o["learningRateDecaySteps"],
        o["learningRateDecayFactor"],
        o.get("staircase", True),
    )
    rate = tf.where(tf.cast(step, tf.int32) < n, tf.constant(held, F32), after)
    return tf.maximum(rate, tf.constant(o.get("minLearningRate", 0.0), F32))


def warmup(step, o):
    base = o["learningRateBase"]
    w0 = o.get("warmupLearningRate", 0.0)
    n = o.get("warmupSteps", 0)
    if w0 > base:
        raise ValueError("warmup_learning_rate > learning_rate_base")
    rise = (base - w0) / n  # Python division: ZeroDivisionError for warm-up 0, at every call
    decayed = _decay(
        base,
        step - n,
        o["learningRateDecaySteps"],
        o["learningRateDecayFactor"],
        o.get("staircase", True),
    )
    decayed = tf.maximum(decayed, tf.constant(o.get("minLearningRate", 0.0), F32))
    ramp = tf.constant(rise, F32) * tf.cast(step, F32) + tf.constant(w0, F32)
    return tf.where(step < n, ramp, decayed)


def cosine(step, o):
    base = o["learningRateBase"]
    total = o["totalSteps"]
    w0 = o.get("warmupLearningRate", 0.0)
    n = o.get("warmupSteps", 0)
    hold = o.get("holdBaseRateSteps", 0)
    if total < n:
        raise ValueError("total_steps < warmup_steps")
    if n > 0 and base < w0:
        raise ValueError("warmup_learning_rate > learning_rate_base")
    span = float(total - n - hold)
    phase = tf.constant(np.pi, F32) * (tf.cast(step, F32) - float(n) - float(hold)) / span
    rate = tf.constant(0.5 * base, F32) * (1.0 + tf.cos(phase))
    if hold > 0:
        rate = tf.where(step > n + hold, rate, tf.constant(base, F32))
    if n > 0:
        ramp = tf.constant((base - w0) / n, F32) * tf.cast(step, F32) + tf.constant(w0, F32)
        rate = tf.where(step < n, ramp, rate)
    return tf.where(step > total, tf.zeros_like(rate), rate)


def manual(step, o):
    bounds = list(o["boundaries"])
    rates = [float(r) for r in o["rates"]]
    if o.get("warmup", False) and bounds:
        rise = (rates[1] - rates[0]) / bounds[0]
        ramp_steps = list(range(bounds[0]))
        rates = [rates[0] + rise * s for s in ramp_steps] + rates[1:]
        bounds = ramp_steps + bounds
    else:
        bounds = [0] + bounds
    reached = tf.cast(step >= tf.constant(bounds, tf.int64), tf.int64)
    index = tf.reduce_max(reached * tf.range(len(bounds), dtype=tf.int64))
    return tf.gather(tf.constant(rates, F32), index)


FUNCS = {
    "exponentialDecayWithBurnin": burnin,
    "exponentialDecayWithWarmup": warmup,
    "cosineDecayWithWarmup": cosine,
    "manualStepping": manual,
}


def evaluate(fn, opts, steps):
    """One scalar global step at a time, as TF OD API is called: TensorFlow's vectorised pow
    and cos round differently (by an ulp) from the scalar kernels."""
    f = FUNCS[fn]
    return np.array([f(tf.constant(s, tf.int64), opts).numpy() for s in steps], np.float32)


def ulps(a, b):
    """Distance in float32 ulps between two float32 arrays (same sign assumed; 0 == -0)."""
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


def verify():
    with open(SHARED, encoding="utf-8") as f:
        cases = [c for c in json.load(f)["cases"] if c["lib"] == "tfod"]
    worst, worst_case, exact = 0, None, 0
    for c in cases:
        got = evaluate(c["fn"], c["opts"], c["steps"])
        want = np.array(c["expected"], np.float32)
        d = ulps(got, want)
        if np.all(d == 0):
            exact += 1
        if d.max() > worst:
            worst, worst_case = int(d.max()), c
    print(f"verified {len(cases)} TF OD API cases of {SHARED}: {exact} bit for bit, max {worst} ulp")
    if worst > 1:
        print(f"transcription differs by {worst} ulp: {json.dumps(worst_case['opts'])}", file=sys.stderr)
        sys.exit(1)
    return len(cases)


def r6(x):
    return float(f"{x:.6g}")


def main():
    verify()
    rng = random.Random(SEED)
    lr = lambda: r6(10 ** rng.uniform(-4, 0))  # noqa: E731
    cases = []

    def add(fn, opts, last):
        steps = steps_for(rng, last)
        case = {"lib": "tfod", "fn": fn, "opts": opts}
        try:
            got = evaluate(fn, opts, steps)
        except (ZeroDivisionError, ValueError) as e:
            case.update(steps=[0], expected=[None], raises="construct", error=type(e).__name__)
        else:
            case.update(steps=steps, expected=[clean(v) for v in got])
        cases.append(case)

    for i in range(100):
        base = lr()
        o = {
            "learningRateBase": base,
            "learningRateDecaySteps": rng.choice([1, 2, 3, 5, 10, rng.randint(1, 100)]),
            "learningRateDecayFactor": r6(rng.uniform(0.05, 1.0)),
            "burninLearningRate": rng.choice([0.0, r6(base * rng.uniform(0.01, 2))]),
            "burninSteps": rng.choice([0, 0, 1, rng.randint(2, 40)]),
            "minLearningRate": rng.choice([0.0, r6(base * rng.uniform(1e-3, 0.5))]),
            "staircase": i % 2 == 0,
        }
        if i % 10 == 3:  # floor above the base rate: every value is the floor
            o["minLearningRate"] = r6(base * rng.uniform(1.01, 3))
        add("exponentialDecayWithBurnin", o, 300)
    for i in range(100):
        base = lr()
        o = {
            "learningRateBase": base,
            "learningRateDecaySteps": rng.choice([1, 2, 3, 5, 10, rng.randint(1, 100)]),
            "learningRateDecayFactor": r6(rng.uniform(0.05, 1.0)),
            "warmupLearningRate": rng.choice([0.0, r6(base * rng.uniform(0, 1))]),
            "warmupSteps": rng.choice([1, 2, rng.randint(3, 50)]),
            "minLearningRate": rng.choice([0.0, r6(base * rng.uniform(1e-3, 0.5))]),
            "staircase": i % 2 == 0,
        }
        if i % 10 == 3:
            o["minLearningRate"] = r6(base * rng.uniform(1.01, 3))
        if i % 25 == 7:  # TF OD API's default warm-up 0: it divides by it at every call
            o["warmupSteps"] = 0
        add("exponentialDecayWithWarmup", o, 300)
    for i in range(100):
        base = lr()
        n = rng.choice([0, 0, 1, rng.randint(2, 50)])
        hold = rng.choice([0, 0, 1, rng.randint(2, 40)])
        total = n + hold + rng.randint(1, 300)
        if i % 20 == 5:  # warm-up, hold and decay end together (a hold, so no 0 / 0)
            hold = max(hold, 1)
            total = n + hold
        o = {
            "learningRateBase": base,
            "totalSteps": total,
            "warmupLearningRate": rng.choice([0.0, r6(base * rng.uniform(0, 1))]) if n else 0.0,
            "warmupSteps": n,
            "holdBaseRateSteps": hold,
        }
        add("cosineDecayWithWarmup", o, total + 20)
    for i in range(100):
        k = rng.randint(0, 5) if i % 10 else 0
        bounds = sorted(rng.sample(range(1, 120), k))
        o = {
            "boundaries": bounds,
            "rates": [lr() for _ in range(k + 1)],
            "warmup": i % 2 == 1,
        }
        add("manualStepping", o, 150)
    note = (
        f"TF OD API learning_schedules.py semantics transcribed to TensorFlow {tf.__version__} ops "
        f"(eager, float32), verified bit for bit against shared/reference/schedules.json; "
        f"scripts/reference/gen_tfod.py, seed {SEED}"
    )
    write("tfod-random.json", note, cases)


if __name__ == "__main__":
    main()
