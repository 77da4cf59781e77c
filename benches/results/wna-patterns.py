#!/usr/bin/env python3
"""WNA reference task (issue 10): writes benches/results/wna-patterns.jsonl and prints trials to
a mean reward of 0.9 and 0.99.

100-100-3 soft-relu network, three fixed random 10x10 binary patterns
(prospect_tasks::patterns::split(3, 100, seed)), trial 30, readout 25, ramps 5, Euler dt 0.1,
greedy readout of the output rates low-passed with tau_r = 0.1, eta = 0.01 on both projections,
He-normal init, OU noise sigma 1, tau_c 30 on the outputs; wna-reward defaults (w 0.8,
alpha_W 1, tau_e 0.1, running baseline gamma 0.1 clipped at 0, homeostasis +-1.25, kappa 0.5).
mean_reward is the mean of the +-1 rewards of an epoch of 50 trials.
Run from the repository root after
    cargo build --release -p prospect-reward --example reward_bandit
"""
import json
import subprocess

SETTINGS = [
    # beta 0.1, noise gain beta*alpha_N = 0.03 (alpha_N 0.3): the reference's 100-100-3 params.json
    (0.1, 0.03, "{}"),
    (0.1, 0.03, '{"trace":"reference"}'),
    # beta 0.01, gain 0.01 (alpha_N 1): the settings listed in docs/equations.md section 2
    (0.01, 0.01, "{}"),
]

with open("benches/results/wna-patterns.jsonl", "w") as out:
    for seed in (1, 2, 3):
        for beta, gain, params in SETTINGS:
            cmd = ["./target/release/examples/reward_bandit", "task=patterns", "hidden=100",
                   "epochs=12", "trials=50", f"seed={seed}", f"beta={beta}", f"gain={gain}",
                   f"params={params}"]
            rows = [json.loads(l) for l in subprocess.run(cmd, check=True, capture_output=True,
                                                          text=True).stdout.splitlines()]
            for r in rows:
                r.update(beta=beta, gain=gain, params=params)
                out.write(json.dumps(r) + "\n")
            first = lambda x: next((r["trials"] for r in rows if r["mean_reward"] >= x), None)
            print(f"seed {seed} beta {beta} gain {gain} params {params}: mean reward >= 0.9 "
                  f"first in the 50 trials ending at {first(0.9)}, >= 0.99 at {first(0.99)}, "
                  f"last epoch {rows[-1]['mean_reward']}")
