"""% optimal action at step 1000 (and over steps 901–1000) per setting of a gradient-bandit sweep.

python3 benches/results/gradient_bandit_summary.py traces/bandit
Each trace is one run; its per-epoch train_accuracy is 1 when that step's arm was optimal.
"""
import collections
import glob
import sys

import h5py
import numpy as np

groups = collections.defaultdict(list)
for path in glob.glob(sys.argv[1] + "/*.h5"):
    key = path.split("/")[-1].split("_seed")[0]
    with h5py.File(path, "r") as h:
        groups[key].append(h["metrics/train_accuracy/value"][:])
for key, runs in sorted(groups.items()):
    a = np.array(runs)
    p = a[:, -1].mean()
    se = np.sqrt(p * (1 - p) / len(runs))
    print(f"{key}: runs {len(runs)}, % optimal at step 1000 {100 * p:.1f} ± {100 * se:.1f} (s.e.), mean over steps 901-1000 {100 * a[:, -100:].mean():.1f}")
