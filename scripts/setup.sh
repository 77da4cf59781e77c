#!/usr/bin/env bash
# Idempotent set-up for prospect on a fresh Debian machine.
# Installs system packages (HDF5, pkg-config, h5dump, Fashion-MNIST), the Python
# packages used by cross-checks (numpy, scipy, h5py), and builds the workspace in
# release mode. Safe to run again: every step checks before it acts.
set -euo pipefail

say() { printf '[setup] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        say "not root and no sudo: cannot install system packages"; exit 1
    fi
fi

APT_PACKAGES=(pkg-config libhdf5-dev hdf5-tools dataset-fashion-mnist python3-pip)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
else
    say "apt packages present: ${APT_PACKAGES[*]}"
fi

PY=python3
if ! $PY -c "import numpy, scipy, h5py" >/dev/null 2>&1; then
    say "pip install numpy scipy h5py"
    $PY -m pip install --quiet numpy scipy h5py 2>/dev/null \
        || $PY -m pip install --quiet --break-system-packages numpy scipy h5py
else
    say "python packages present: numpy scipy h5py"
fi

if ! command -v cargo >/dev/null 2>&1; then
    say "cargo not found: install a Rust toolchain (rustup) first"; exit 1
fi

cd "$(dirname "$0")/.."
say "cargo build --release --workspace"
cargo build --release --workspace --quiet
say "done"
