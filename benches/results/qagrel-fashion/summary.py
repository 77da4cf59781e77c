"""Summary of the Q-AGREL / backprop Fashion-MNIST runs (docs/reproduction.md §9).

Reads, in this folder:
- full-*.jsonl: one run of the paper's full protocol each (example qagrel_protocol, one JSON
  line per epoch and a last line with the outcome; commands in full.cmd);
- short-*.jsonl: the per-epoch test accuracy of the shortened multi-seed sweeps (written by
  `python3 summary.py --collect DIR...` from their trace files; commands in short.cmd).
Prints Markdown tables.
"""

import glob
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def collect(dirs):
    """Trace files of sweeps → short-<name>.jsonl (one line per run: group, seed, curve)."""
    import h5py

    for d in dirs:
        name = os.path.basename(os.path.normpath(d))
        out = os.path.join(HERE, f"short-{name}.jsonl")
        with open(out, "w") as f:
            for path in sorted(glob.glob(os.path.join(d, "*.h5"))):
                with h5py.File(path, "r") as h:
                    attrs = dict(h.attrs)
                    seed = int(attrs["seed"])
                    group = {k: str(v) for k, v in attrs.items() if k.startswith("param:")}
                    acc = [float(v) for v in h["metrics/test_accuracy/value"][:]]
                    epochs = [int(v) for v in h["metrics/test_accuracy/epoch"][:]]
                    status = str(attrs.get("status", ""))
                f.write(json.dumps({"sweep": name, "file": os.path.basename(path), "seed": seed,
                                    "params": group, "status": status, "epochs": epochs,
                                    "test_accuracy": acc}) + "\n")
        print(f"wrote {out}")


def full_table():
    print("| run | α | epochs run | stop epoch | longest run of agreeing validations | final test accuracy | best test accuracy (epoch) |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(glob.glob(os.path.join(HERE, "full-*.jsonl"))):
        lines = [json.loads(l) for l in open(path) if l.strip()]
        epochs = [l for l in lines if "epoch" in l]
        final = [l for l in lines if l.get("final")]
        best = max(epochs, key=lambda l: l["test_accuracy"])
        last = epochs[-1]
        done = "yes" if final else f"running (at {last['epoch']})"
        stop = (final[0]["stop_epoch"] or "not met") if final else "—"
        vals = [round(1000 * l["validation_accuracy"]) for l in epochs if l["validation_accuracy"] is not None]
        longest, run = 1, 1
        for a, b in zip(vals, vals[1:]):
            run = run + 1 if a == b else 1
            longest = max(longest, run)
        name = "backprop" if last["run"].startswith("backprop") else last["run"]
        print(f"| {name} | {last['alpha']} | {last['epoch']} ({'complete' if final else done}) "
              f"| {stop} | {longest} | {100 * last['test_accuracy']:.2f} % | {100 * best['test_accuracy']:.2f} % ({best['epoch']}) |")


def short_table():
    runs = []
    for path in sorted(glob.glob(os.path.join(HERE, "short-*.jsonl"))):
        runs += [json.loads(l) for l in open(path) if l.strip()]
    groups = {}
    for r in runs:
        key = (r["sweep"], r["params"].get("param:network.feedback", ""))
        groups.setdefault(key, []).append(r)
    print("| sweep | feedback | seeds | test accuracy at epoch 1 | 5 | 10 | 30 (mean ± sd) |")
    print("|---|---|---|---|---|---|---|")
    for (sweep, fb), rs in sorted(groups.items()):
        cells = []
        for e in (1, 5, 10, 30):
            vals = [100 * r["test_accuracy"][r["epochs"].index(e)] for r in rs if e in r["epochs"]]
            sd = statistics.stdev(vals) if len(vals) > 1 else float("nan")
            cells.append(f"{statistics.mean(vals):.2f} ± {sd:.2f}" if vals else "—")
        print(f"| {sweep} | {fb or '—'} | {len(rs)} | " + " | ".join(cells) + " |")


def reach_table(levels=(0.85, 0.87, 0.88, 0.89)):
    """Epochs until the test accuracy first reaches each level (a proxy for the paper's epoch
    ratio where the stopping criterion is never met)."""
    print("| run | " + " | ".join(f"first epoch ≥ {100 * v:.0f} %" for v in levels) + " |")
    print("|---|" + "---|" * len(levels))
    for path in sorted(glob.glob(os.path.join(HERE, "full-*.jsonl"))):
        lines = [json.loads(l) for l in open(path) if l.strip() and '"final"' not in l]
        name = "backprop" if lines[-1]["run"].startswith("backprop") else lines[-1]["run"]
        cells = []
        for v in levels:
            hit = next((l["epoch"] for l in lines if l["test_accuracy"] >= v), None)
            cells.append(str(hit) if hit else "never")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--collect":
        collect(sys.argv[2:])
    else:
        full_table()
        print()
        short_table()
        print()
        reach_table()
