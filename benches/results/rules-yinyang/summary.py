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

# Seeds 0–4 of the three chosen settings (seed 0 is the run without a -seed suffix).
chosen = [
    "reinforce-50k-eta0.03,3e-5-T0.1-init32",
    "node-perturbation-50k-eta1e-4,1e-5-s0.2-init32",
    "weight-perturbation-50k-eta5e-6-s0.01-init32",
]
by_name = {r[0]: r for r in rows}
print()
print("| setting (seeds 0–4) | test @ 20 k: each, mean | test @ 50 k: each, mean | trials to 80 %: each |")
print("|---|---|---|---|")
for base in chosen:
    runs = [by_name.get(base)] + [by_name.get(f"{base}-seed{s}") for s in range(1, 5)]
    if any(r is None for r in runs):
        continue
    a20 = [float(r[1]) for r in runs]
    a50 = [float(r[2]) for r in runs]
    print(
        f"| {base} | {', '.join(f'{a:.3f}' for a in a20)}; **{sum(a20) / 5:.3f}** "
        f"| {', '.join(f'{a:.3f}' for a in a50)}; **{sum(a50) / 5:.3f}** "
        f"| {', '.join(r[4] for r in runs)} |"
    )

# The mean over seeds 0–4 of the test accuracy at each test point: first point ≥ 80 %.
print()
print("| setting | mean of seeds 0–4 first ≥ 80 % at | mean at 50 k |")
print("|---|---|---|")
for base in chosen:
    curves = []
    for name in [base] + [f"{base}-seed{s}" for s in range(1, 5)]:
        path = os.path.join(here, name + ".jsonl")
        if not os.path.exists(path):
            break
        with open(path) as f:
            curves.append(
                [(r["trials"], r["test_accuracy"]) for r in map(json.loads, (l for l in f if l.startswith("{"))) if r["test_accuracy"] is not None]
            )
    if len(curves) != 5:
        continue
    mean = [(c[0][0], sum(x[1] for x in c) / 5) for c in zip(*curves)]
    first = next((n for n, a in mean if a >= 0.8), None)
    print(f"| {base} | {first if first else 'not reached'} | {mean[-1][1]:.3f} |")
