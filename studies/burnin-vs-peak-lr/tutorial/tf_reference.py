"""TensorFlow reference values for the tutorial comparison (tutorial/README.md).

Run with a Python that has tensorflow (see README): writes reference.json next to this file.

1. The tutorial's chained decay, computed the way the tutorial builds it: a first
   tf.compat.v1.train.exponential_decay (0.1, decay_rate 0.5, staircase) fed as the learning
   rate of a second one (decay_rate 0.1, not staircase), both on the same global step and
   decay_steps = num_samples // batch_size. Only what cannot run is fixed: global_step is
   created before it is used, and the graph runs in a v1 Session (in TF2 eager mode
   exponential_decay returns a callable, which the second call cannot take as its rate).
2. The burn-in schedule the tutorial meant, with TF ops following the semantics of the TF OD
   API's exponential_decay_with_burnin (utils/learning_schedules.py): the burn-in rate for
   steps < burnin_steps, then exponential_decay of the base rate at global_step - burnin_steps,
   everything raised to min_learning_rate. The same op graph is first checked against every
   exponentialDecayWithBurnin case of /work/shared/reference/schedules.json (values computed
   by the real TF OD API function, eagerly); the script stops if one differs by more than
   1e-5 relative (float32: graph and eager kernels differ by a few ulps).
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
v1 = tf.compat.v1

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("BURNIN_REFERENCE", "/work/shared/reference/schedules.json")

NUM_SAMPLES = 1024
BATCH_SIZE = 32
EPOCH_STEPS = NUM_SAMPLES // BATCH_SIZE  # decay_steps of the tutorial: 32
EPOCHS = 8
STEPS = list(range(EPOCHS * EPOCH_STEPS + 1))  # steps 0..256: epochs 0 to 8 inclusive

# The burn-in the tutorial meant: a tenth of the rate for the first epoch, then 0.1 halved
# every epoch (its first decay).
BURNIN = {
    "learningRateBase": 0.1,
    "learningRateDecaySteps": EPOCH_STEPS,
    "learningRateDecayFactor": 0.5,
    "burninLearningRate": 0.01,
    "burninSteps": EPOCH_STEPS,
    "minLearningRate": 0.0,
    "staircase": True,
}


def burnin_graph(step, o):
    """TF ops with exponential_decay_with_burnin's semantics, at int64 tensor `step`."""
    base = o["learningRateBase"]
    burnin_lr = o.get("burninLearningRate", 0.0) or base
    burnin_steps = int(o.get("burninSteps", 0))
    post = v1.train.exponential_decay(
        base,
        step - burnin_steps,
        o["learningRateDecaySteps"],
        o["learningRateDecayFactor"],
        staircase=o.get("staircase", True),
    )
    lr = tf.where(
        tf.less(tf.cast(step, tf.int32), tf.constant(burnin_steps)),
        tf.constant(burnin_lr),
        post,
    )
    return tf.maximum(lr, o.get("minLearningRate", 0.0))


def run_on_steps(build, steps):
    """Evaluates `build(step_tensor)` at each step in a fresh graph and session."""
    g = tf.Graph()
    with g.as_default():
        global_step = v1.train.get_or_create_global_step()
        lr = build(global_step)
        new_step = v1.placeholder(tf.int64, [])
        assign = v1.assign(global_step, new_step)
        out = []
        with v1.Session(graph=g) as sess:
            sess.run(v1.global_variables_initializer())
            for s in steps:
                sess.run(assign, {new_step: s})
                out.append(float(sess.run(lr)))
    return out


def tutorial_chain(global_step):
    # As the tutorial writes it (global_step now exists before this point).
    first = v1.train.exponential_decay(
        tf.Variable(0.1), global_step, decay_steps=NUM_SAMPLES // BATCH_SIZE, decay_rate=0.5,
        staircase=True,
    )
    return v1.train.exponential_decay(
        first, global_step, decay_steps=NUM_SAMPLES // BATCH_SIZE, decay_rate=0.1,
        staircase=False,
    )


def check_against_tfod():
    cases = [
        c
        for c in json.load(open(SHARED))["cases"]
        if c["lib"] == "tfod" and c["fn"] == "exponentialDecayWithBurnin"
    ]
    worst = 0.0
    for c in cases:
        got = np.array(run_on_steps(lambda s: burnin_graph(s, c["opts"]), c["steps"]))
        want = np.array(c["expected"])
        rel = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-30))
        worst = max(worst, float(rel))
        if rel > 1e-5:
            sys.exit(f"burn-in graph differs from the TF OD API case {c['opts']}: rel {rel}")
    return len(cases), worst


def main():
    n, worst = check_against_tfod()
    chained = run_on_steps(tutorial_chain, STEPS)
    burnin = run_on_steps(lambda s: burnin_graph(s, BURNIN), STEPS)
    out = {
        "note": (
            "Computed by tf_reference.py with TensorFlow "
            + tf.__version__
            + " (float32). chained: the tutorial's two chained "
            "tf.compat.v1.train.exponential_decay calls; burnin: TF ops with the TF OD API's "
            "exponential_decay_with_burnin semantics, checked against "
            f"{n} TF OD API cases of schedules.json (max relative difference {worst:.1e})."
        ),
        "tensorflow": tf.__version__,
        "numSamples": NUM_SAMPLES,
        "batchSize": BATCH_SIZE,
        "epochSteps": EPOCH_STEPS,
        "steps": STEPS,
        "chained": {
            "first": {"learningRate": 0.1, "decaySteps": EPOCH_STEPS, "decayRate": 0.5, "staircase": True},
            "second": {"decaySteps": EPOCH_STEPS, "decayRate": 0.1, "staircase": False},
            "expected": chained,
        },
        "burnin": {"options": BURNIN, "expected": burnin},
        "tfodCheck": {"cases": n, "maxRelativeDifference": worst},
    }
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote reference.json ({len(STEPS)} steps; burn-in graph = TF OD API on {n} cases, max rel {worst:.1e})")


if __name__ == "__main__":
    main()
