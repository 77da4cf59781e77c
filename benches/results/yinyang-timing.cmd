# Issue 8, item 6: vanilla and jacobi on Yin-Yang (models/yinyang-lookahead.toml settings) after
# the plasticity-timing fix, 5 seeds x 200 epochs (seed = data split and weights).
cargo build --release -p prospect-neuron --example reproduce
for s in 0 1 2 3 4; do target/release/examples/reproduce timing 200 $s; done > benches/results/yinyang-timing.jsonl 2> benches/results/yinyang-timing.err
