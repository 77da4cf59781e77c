#!/usr/bin/env python3
"""Side-by-side work at equal error from the JSON lines of the three work-precision benchmarks.

For each problem, solver and target error, interpolates log(nfev) and log(seconds) against
log(err) between the two runs that bracket the target (runs sorted by error; a target outside a
solver's range is left blank). Prints a Markdown table.

    python3 benches/compare_work_precision.py benches/results/*.jsonl
"""
import json
import math
import sys
from collections import defaultdict

TARGETS = [1e-4, 1e-6, 1e-8]


def at_error(runs, target, key):
    pts = sorted((r["err"], r[key]) for r in runs if r["err"] > 0)
    for (e0, w0), (e1, w1) in zip(pts, pts[1:]):
        if e0 <= target <= e1 and e0 < e1:
            a = (math.log(target) - math.log(e0)) / (math.log(e1) - math.log(e0))
            return math.exp(math.log(w0) + a * (math.log(w1) - math.log(w0)))
    return None


def main():
    runs = defaultdict(list)
    for path in sys.argv[1:]:
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if line.startswith("{"):
                    r = json.loads(line)
                    runs[(r["problem"], r["method"])].append(r)
    problems = sorted({p for p, _ in runs})
    print("| problem | method | " + " | ".join(
        f"nfev @ {t:.0e} | ms @ {t:.0e}" for t in TARGETS) + " |")
    print("|---|---|" + "---|---|" * len(TARGETS))
    for p in problems:
        for (pp, m), rs in sorted(runs.items()):
            if pp != p:
                continue
            cells = []
            for t in TARGETS:
                n, s = at_error(rs, t, "nfev"), at_error(rs, t, "seconds")
                cells.append("" if n is None else f"{n:.0f}")
                cells.append("" if s is None else f"{1e3 * s:.3g}")
            print(f"| {p} | {m} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
