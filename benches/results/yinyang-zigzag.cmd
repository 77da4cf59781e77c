# Issue 8, item 6: layer 2's ŭ of the delayed schemes against the exact treatment on the same
# weights and inputs, at checkpoints of a seed-0 Yin-Yang training run (models/yinyang-lookahead.toml
# settings) of each scheme. Per checkpoint: the first 10 training batches (20 samples each), one
# presentation each (T = 1, Euler dt = 0.1, 10 steps), nudged (β = 0.1), no learning, the delayed
# scheme's memory carried from batch to batch as in training. max_dev: mean over batches of
# max |ŭ₂ − ŭ₂(exact)| over the 10 steps, 3 units and 20 samples (the exact ŭ is constant within a
# presentation: with look-ahead it depends on the inputs only); max_dev_late: the same over steps
# 6-10; max_jump_late: the largest |ŭ₂ⁿ − ŭ₂ⁿ⁻¹| in steps 6-10 over all batches (the period-2
# zigzag); exact_failed: batches whose exact fixed point did not converge (left out);
# beta_w2_frob_sq: β‖W₂‖_F², an upper bound of the error-loop gain.
cargo build --release -p prospect-neuron --example reproduce
target/release/examples/reproduce zigzag 200 0 > benches/results/yinyang-zigzag.jsonl
