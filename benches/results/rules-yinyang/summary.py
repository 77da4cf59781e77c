#!/usr/bin/env python3
"""Summarises benches/results/rules-yinyang/*.jsonl into the table of rules-yinyang.md.

Per run: greedy test accuracy at 20 000 and 50 000 trials, the best test accuracy and when,
and the first test point at or above 80 % ("not reached" otherwise). The test runs every
2000 trials, so "trials to 80 %" is resolved to 2000 trials.
  python3 benches/results/rules-yinyang/summary.py
"""
import glob
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
rows = []
for path in sorted(glob.glob(os.path.join(here, "*.jsonl"))):
    with open(path) as f:
        lines = f.read().splitlines()
    runs = [json.loads(l) for l in lines if l.startswith("{")]
    tests = [(r["trials"], r["test_accuracy"]) for r in runs if r["test_accuracy"] is not None]
    if not tests:
        continue
    at = dict(tests)
    best = max(tests, key=lambda t: (t[1], -t[0]))
    first80 = next((n for n, a in tests if a >= 0.8), None)
    fmt = lambda n: f"{at[n]:.3f}" if n in at else "—"
    rows.append(
        (
            os.path.basename(path)[: -len(".jsonl")],
            fmt(20000),
            fmt(50000),
            f"{best[1]:.3f} @ {best[0]}",
            str(first80) if first80 else "not reached",
            tests[-1][0],
        )
    )
print("| run | test @ 20 k | test @ 50 k | best (trials) | trials to 80 % | trials run |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(map(str, r)) + " |")
