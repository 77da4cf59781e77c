#!/usr/bin/env bash
# GEMM backends (matrixmultiply, gemm, faer) on the fast Q-AGREL kernels' products, 1 and 2
# threads (docs/design.md, "Q-AGREL kernels"). Writes benches/results/gemm-compare.txt and .cmd.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=benches/results/gemm-compare
manifest=benches/gemm-compare/Cargo.toml
cargo build --release --manifest-path "$manifest"
bin=benches/gemm-compare/target/release/gemm-compare
[ -n "${CARGO_TARGET_DIR:-}" ] && bin="$CARGO_TARGET_DIR/release/gemm-compare"
echo "benches/scripts/gemm_compare.sh   # = MATMUL_NUM_THREADS=T gemm-compare T gemm matrixmultiply faer, T = 1, 2" >"$out.cmd"
{
    echo "# $(date -u '+%F %T UTC'), $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
    for t in 1 2; do
        MATMUL_NUM_THREADS=$t "$bin" "$t" gemm matrixmultiply faer
    done
    echo "# load at end $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out.txt"
