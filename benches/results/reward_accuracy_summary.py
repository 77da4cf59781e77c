"""Greedy test accuracy per epoch, trials to first ≥ 80 %, final mean over seeds of reward runs.

python3 benches/results/reward_accuracy_summary.py traces/sweep-wna-yinyang
"""
import glob
import sys

import h5py
import numpy as np

finals = []
for path in sorted(glob.glob(sys.argv[1] + "/*.h5")):
    with h5py.File(path, "r") as h:
        a = h["metrics/test_accuracy/value"][:]
        t = h["metrics/trials/value"][:]
        rule = h.attrs.get("param:plasticity.rule", "")
    first = next((int(tt) for aa, tt in zip(a, t) if aa >= 0.8), None)
    finals.append(a[-1])
    print(f"{path.split('/')[-1]}: test accuracy per epoch {' '.join(f'{x:.3f}' for x in a)}; first ≥ 80 % after {first} trials; final {a[-1]:.3f}")
print(f"final mean {np.mean(finals):.3f}, sd {np.std(finals, ddof=1):.3f} over {len(finals)} runs")
