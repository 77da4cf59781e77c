#!/usr/bin/env python3
"""Compares a `prospect run` trace's per-epoch metrics with an example run's JSON lines.

  python3 benches/results/rules-yinyang/cli_check.py TRACE.h5 RUN.jsonl
Prints the largest difference of mean_reward and of test_accuracy (the JSON lines hold 4 digits).
"""
import json
import sys

import h5py
import numpy as np

trace, run = sys.argv[1], sys.argv[2]
with h5py.File(trace, "r") as f:
    mr = f["metrics/mean_reward/value"][:]
    ta = f["metrics/test_accuracy/value"][:]
rows = [json.loads(l) for l in open(run) if l.startswith("{")]
jm = np.array([r["mean_reward"] for r in rows])
jt = np.array([r["test_accuracy"] for r in rows if r["test_accuracy"] is not None])
assert len(mr) == len(jm) and len(ta) == len(jt), (len(mr), len(jm), len(ta), len(jt))
print(
    f"{trace} vs {run}: {len(jm)} epochs, max |Δ mean_reward| = {np.max(np.abs(mr - jm)):.1e}, "
    f"max |Δ test_accuracy| = {np.max(np.abs(ta - jt)):.1e}, final test {ta[-1]:.4f}"
)
