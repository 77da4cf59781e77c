#!/usr/bin/env python3
"""Kill a recording `prospect run` with SIGKILL at random moments and read every dataset of
every file it left with h5py (issue 9, item 3).

usage: scripts/kill_test.py N_KILLS [OUT_DIR] [--seed S] [--exe PATH]
PATH is the prospect binary (default target/release/prospect).
Each kill: a run recording every step of layer1 and layer2 in every epoch of 1000, SIGKILL after a
uniform 0.3-2.5 s. Then every dataset is read whole; a read error is a failure, and so is a
population whose variables hold different numbers of rows. Prints one JSON line:
kills, files, datasets_read, failures, misaligned, and the first errors.
"""
import json, os, random, signal, subprocess, sys, time

import h5py

def main():
    n = int(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else "/tmp/prospect-kill-test"
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 0
    rng = random.Random(seed)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    exe = sys.argv[sys.argv.index("--exe") + 1] if "--exe" in sys.argv else os.path.join(root, "target/release/prospect")
    os.makedirs(out, exist_ok=True)
    os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"
    stats = dict(kills=0, files=0, datasets_read=0, failures=0, misaligned=0, errors=[])
    for i in range(n):
        path = os.path.join(out, f"kill-{i}.h5")
        if os.path.exists(path):
            os.remove(path)
        p = subprocess.Popen([exe, "run", os.path.join(root, "models/yinyang-lookahead.toml"),
                              "--set", "training.epochs=1000", "--set", "record.every=0",
                              "--set", "record.epochs=" + str(list(range(1, 1001))).replace(" ", ""),
                              "--set", 'record.populations=["layer1","layer2"]',
                              "--out", path, "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        stats["kills"] += 1
        if not os.path.exists(path):
            continue
        stats["files"] += 1
        try:
            with h5py.File(path, "r") as f:
                names = []
                f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
                for name in names:
                    try:
                        f[name][()]
                        stats["datasets_read"] += 1
                    except Exception as e:  # noqa: BLE001 - any read error is a failure
                        stats["failures"] += 1
                        stats["errors"].append(f"{path}:{name}: {e}")
                for pop in f.get("traces", {}):
                    rows = {v: f["traces"][pop][v].shape[0] for v in f["traces"][pop]}
                    if len(set(rows.values())) > 1:
                        stats["misaligned"] += 1
                        stats["errors"].append(f"{path}:traces/{pop}: rows {rows}")
        except Exception as e:  # noqa: BLE001
            stats["failures"] += 1
            stats["errors"].append(f"{path}: open: {e}")
    stats["errors"] = stats["errors"][:10]
    print(json.dumps(stats))
    return 0 if stats["failures"] == 0 and stats["misaligned"] == 0 else 1

if __name__ == "__main__":
    sys.exit(main())
