#!/usr/bin/env bash
# Speed of the algorithmic Q-AGREL network (issue 11; docs/design.md, "Q-AGREL kernels"):
# prospect's epoch (f32/f64 × 1/2 threads, Q-AGREL and backprop), the GEMM peak of the same
# kernel, and the NumPy peer benches/qagrel_numpy.py, side by side, REPEATS times (stability).
# Writes benches/results/qagrel-speed.txt and .cmd. Run it when `uptime` shows a low load: the
# load averages at the start and end of each run are in the file.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=${EPOCHS:-2}
REPEATS=${REPEATS:-2}
out=${OUT:-benches/results/qagrel-speed}
cargo build --release -p prospect-reward --example qagrel_speed
echo "OUT=$out EPOCHS=$EPOCHS REPEATS=$REPEATS benches/scripts/qagrel_speed.sh   # = cargo run --release -p prospect-reward --example qagrel_speed -- $EPOCHS benches/qagrel_numpy.py, $REPEATS times" >"$out.cmd"
{
    echo "# $(date -u '+%F %T UTC'), $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), git $(git rev-parse --short HEAD)"
    for r in $(seq 1 "$REPEATS"); do
        echo "## run $r of $REPEATS"
        target/release/examples/qagrel_speed "$EPOCHS" benches/qagrel_numpy.py
    done
} | tee "$out.txt"
