#!/usr/bin/env bash
# The test suite: formatting, lints, and every test of the workspace (release-optimised).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace --release
