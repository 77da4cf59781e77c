#!/bin/sh
# Usage (from the repository root): benches/results/rules-yinyang/run.sh RULE SETTING KEY=VALUE …
# Runs the reward_bandit example with the shared base settings (4-400-3 on Yin-Yang, short
# trials, see rules-yinyang.md) plus the given keys (later keys win), and writes
# benches/results/rules-yinyang/RULE-SETTING.jsonl with the exact command on its first line.
rule=$1; setting=$2; shift 2
out=benches/results/rules-yinyang/$rule-$setting.jsonl
base="task=yinyang rule=$rule seed=0 hidden=400 time=3 readout=2.5 ramp=0.5 anneal=25000 init=2.0,0.1"
echo "# target/release/examples/reward_bandit $base $*" > "$out"
# shellcheck disable=SC2086
exec nice -n 10 target/release/examples/reward_bandit $base "$@" >> "$out"
