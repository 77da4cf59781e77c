"""Per-run JSON lines and mean ± sd of the final greedy test accuracy per look-ahead setting,
from a sweep folder of continuous Q-AGREL on Yin-Yang.

python3 benches/results/qagrel-continuous-yinyang/summarize.py traces/sweep-qagrel-continuous-yinyang
"""
import glob
import json
import sys
import tomllib

import h5py
import numpy as np

by = {}
for path in sorted(glob.glob(sys.argv[1] + "/*.h5")):
    with h5py.File(path, "r") as h:
        acc = [float(x) for x in h["metrics/test_accuracy/value"][:]]
        trials = [int(x) for x in h["metrics/trials/value"][:]]
        model = tomllib.loads(h.attrs["model_effective"])
        la = str(model["network"]["lookahead"]).lower()
        seed = int(h.attrs["seed"])
    print(json.dumps({"file": path.split("/")[-1], "network.lookahead": la, "seed": seed,
                      "final_test_accuracy": acc[-1], "trials": trials[-1],
                      "test_accuracy_per_epoch": acc}))
    by.setdefault(la, []).append(acc[-1])
for la, v in sorted(by.items()):
    print(json.dumps({"network.lookahead": la, "runs": len(v), "mean": round(float(np.mean(v)), 4),
                      "sd": round(float(np.std(v, ddof=1)), 4) if len(v) > 1 else None}))
