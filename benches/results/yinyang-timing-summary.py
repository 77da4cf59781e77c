"""Summary of benches/results/yinyang-timing.jsonl: test accuracy (%) every 10th epoch, the min
after epoch 20, the final value and whether the run collapsed (test accuracy < 80 % after epoch 10)."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "benches/results/yinyang-timing.jsonl"
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r["run"], []).append(r["test_accuracy"])
print("| run | " + " | ".join(str(e) for e in range(10, 201, 10)) + " | min after 20 | collapse |")
print("|---|" + "---|" * 22)
for name, acc in runs.items():
    every = [f"{100 * acc[e - 1]:.1f}" for e in range(10, len(acc) + 1, 10)]
    low = min(acc[20:]) if len(acc) > 20 else float("nan")
    collapsed = any(a < 0.8 for a in acc[10:])
    print(f"| {name} | " + " | ".join(every) + f" | {100 * low:.1f} | {'yes' if collapsed else 'no'} |")
