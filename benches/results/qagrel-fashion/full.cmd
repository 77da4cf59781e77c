# The paper's full protocol, seed 0, one run each (issue 11), 784-300-100-10 on Fashion-MNIST,
# f32, 1 thread, unit pixels, ε 0.02, T 1: up to 1000 epochs, lr / 10 after epoch 500, stop on 5
# agreeing validations. Built at d864c1c (main d7e9db5 merged with the kernels of c0db86b; the
# 784-300-100-10 arithmetic is unchanged in the final kernels — same first epochs as the CLI).
# Four runs side by side with nice 10 on the 2 shared cores (10:55–12:29 UTC; runs 3 and 4 started at 11:06).
cargo build --release -p prospect-reward --example qagrel_protocol
target/release/examples/qagrel_protocol qagrel symmetric 0.5 1000 0 f32 1 > full-qagrel-symmetric-0.jsonl
target/release/examples/qagrel_protocol qagrel learned 0.5 1000 0 f32 1 > full-qagrel-learned-0.jsonl
target/release/examples/qagrel_protocol qagrel fixed 0.1 1000 0 f32 1 > full-qagrel-fixed-0.jsonl
target/release/examples/qagrel_protocol backprop symmetric 0.05 1000 0 f32 1 > full-backprop-0.jsonl
# The same through the command line (same protocol; its first epochs agree digit for digit):
#   prospect run models/qagrel-fashion-mnist.toml
#   prospect run models/qagrel-fashion-mnist.toml --set network.feedback=learned
#   prospect run models/qagrel-fashion-mnist.toml --set network.feedback=random --set training.learning_rate=0.1
#   prospect run models/backprop-fashion-mnist.toml
python3 summary.py
