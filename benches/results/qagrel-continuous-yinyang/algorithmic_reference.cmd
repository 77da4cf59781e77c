# The algorithmic reference quoted in models/qagrel-continuous-yinyang.toml: algorithmic Q-AGREL in NumPy,
# the model's settings (η 1, β 0.1, window 0.5 → α = 0.045, ε 0.2, softmax temperature 1, 20 epochs,
# W1 std 1, W2 std 0.01), seeds 0–2; then the script's defaults (temperature 0.1), where seeds 1 and 2 collapse.
for s in 0 1 2; do python3 benches/results/qagrel-continuous-yinyang/algorithmic_reference.py $s 1 0.1 0.5 0.2 1.0 20 1.0 0.01; done > benches/results/qagrel-continuous-yinyang/algorithmic_reference.jsonl
for s in 0 1 2; do python3 benches/results/qagrel-continuous-yinyang/algorithmic_reference.py $s; done >> benches/results/qagrel-continuous-yinyang/algorithmic_reference.jsonl
# Result (2026-11-25): temperature 1: 0.870, 0.870, 0.831; temperature 0.1: 0.865, 0.313, 0.580.
