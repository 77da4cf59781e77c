# Issue 8, item 6: vanilla on Yin-Yang (models/yinyang-lookahead.toml settings) with the weight
# update taken from the memory (the previous step-start evaluation's mismatch e^{n-1} with its own
# rates r^{n-1} and input), 5 seeds x 200 epochs. jacobi is unchanged by this: its figures stay in
# yinyang-timing.jsonl; the vanilla lines there are the previous pairing (e^n with r^n).
cargo build --release -p prospect-neuron --example reproduce
for s in 0 1 2 3 4; do target/release/examples/reproduce timing-vanilla 200 $s; done > benches/results/yinyang-timing-vanilla-memory.jsonl 2> benches/results/yinyang-timing-vanilla-memory.err
python3 benches/results/yinyang-timing-summary.py benches/results/yinyang-timing-vanilla-memory.jsonl > benches/results/yinyang-timing-vanilla-memory-summary.md
# The current state of both delayed schemes (docs/reproduction.md §2): vanilla from this run, jacobi from yinyang-timing.jsonl.
(cat benches/results/yinyang-timing-vanilla-memory.jsonl; grep '"jacobi-' benches/results/yinyang-timing.jsonl) | python3 benches/results/yinyang-timing-summary.py /dev/stdin > benches/results/yinyang-timing-current-summary.md
