"""Trials until a reward run's per-epoch mean reward first reaches 0.9 and 0.99.

python3 benches/results/trials_to_reward.py traces/sweep-wna-patterns
Reads every trace file in the folder (metrics mean_reward and trials, one value per epoch).
"""
import glob
import sys

import h5py
import numpy as np

for path in sorted(glob.glob(sys.argv[1] + "/*.h5")):
    with h5py.File(path, "r") as h:
        v = h["metrics/mean_reward/value"][:]
        t = h["metrics/trials/value"][:]
    first = lambda th: (int(t[np.where(v >= th)[0][0]]) if (v >= th).any() else None)
    print(f"{path.split('/')[-1]}: trials to 0.9: {first(0.9)}, to 0.99: {first(0.99)}, final mean reward {v[-1]:.3f}")
