#!/usr/bin/env bash
# Fuzzes the model-file parser (with --set overrides) and the IDX loader for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 300)
#
# With cargo-fuzz installed (`cargo install cargo-fuzz`) it runs the libFuzzer targets of
# fuzz/ (a crate outside the workspace). libFuzzer needs nightly flags; on a stable toolchain
# RUSTC_BOOTSTRAP=1 enables them. Without cargo-fuzz, or if its build fails, it falls back to
# the proptest properties of the test suite, repeated with fresh seeds until the time is up.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"

if command -v cargo-fuzz >/dev/null 2>&1 &&
    RUSTC_BOOTSTRAP=1 cargo fuzz build -O >/dev/null 2>&1; then
    for target in model_file idx; do
        echo "== cargo fuzz: $target, ${secs}s"
        RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" -- -max_total_time="$secs" -max_len=4096 \
            -rss_limit_mb=2048
    done
    exit 0
fi

echo "cargo-fuzz unavailable or its build failed: running the proptest properties instead" >&2
cargo test -p prospect-cli -p prospect-tasks --release --no-run >/dev/null
run_for() {
    local name="$1"
    shift
    local end=$((SECONDS + secs)) rounds=0
    while ((SECONDS < end)); do
        PROPTEST_CASES=20000 PROPTEST_RNG_SEED="$RANDOM$RANDOM" "$@" >/dev/null 2>&1 || {
            echo "== $name: FAILURE in round $rounds; rerun: $*" >&2
            "$@"
            exit 1
        }
        rounds=$((rounds + 1))
    done
    echo "== $name: $rounds rounds of 20000 cases per property, no failure"
}
run_for model_file cargo test -p prospect-cli --release --test parser_properties
run_for idx cargo test -p prospect-tasks --release --lib idx::tests::any_
