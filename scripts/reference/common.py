"""Shared helpers of the reference generators (see README.md in this folder)."""

import json
import math
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "packages", "schedules", "test", "fixtures")


def steps_for(rng, last, dense=30, sparse=15):
    """Steps 0..dense-1 (capped at `last`) plus `sparse` random later steps, sorted, unique."""
    out = set(range(min(dense, last + 1)))
    if last >= dense:
        for _ in range(sparse):
            out.add(rng.randint(dense, last))
        out.add(last)
    return sorted(out)


def clean(x):
    """A Python float for JSON (float32/float64 numpy scalars too); None stays None."""
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        raise ValueError(f"non-finite reference value {v}")
    return v


def write(name, note, cases):
    """Writes `{ note, cases }` with one case per line, byte-stable across runs."""
    path = os.path.join(FIXTURES, name)
    lines = [json.dumps(c, separators=(",", ":"), sort_keys=False) for c in cases]
    text = '{"note":' + json.dumps(note) + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {path}: {len(cases)} cases")
