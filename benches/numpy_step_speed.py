#!/usr/bin/env python3
"""NumPy peer of `cargo run --release -p prospect-neuron --example step_speed`.

The same vanilla (one-step-delayed) update of the prospective network, written the way a NumPy
user would (float64, column per sample): per Euler step (dt = 0.1) errors from the previous
step, an instantaneous forward pass, the membrane update and the local weight update, with
nudging and plasticity on; a new random pattern every 10 steps. Prints the same JSON lines.
Usage: python3 benches/numpy_step_speed.py [--quick]
"""
import json
import sys
import time

import numpy as np


def hard_sigmoid(x):
    return np.clip(x, 0.0, 1.0)


def hard_sigmoid_deriv(x):
    return ((x > 0.0) & (x < 1.0)).astype(x.dtype)


def run(sizes, batch, min_seconds):
    rng = np.random.default_rng(1)
    L = len(sizes) - 1
    W = [rng.normal(0, 0.1, (sizes[k + 1], sizes[k])) for k in range(L)]
    b = [np.zeros((sizes[k + 1], 1)) for k in range(L)]
    tau, dt, beta, eta = 10.0, 0.1, 0.1, 0.01
    acts = [(hard_sigmoid, hard_sigmoid_deriv)] * (L - 1) + [(lambda x: x, np.ones_like)]
    u = [np.zeros((sizes[k + 1], batch)) for k in range(L)]
    breve = [np.zeros_like(x) for x in u]
    slope = [acts[k][1](breve[k]) for k in range(L)]
    err = [np.zeros_like(x) for x in u]
    patterns = [(rng.random((sizes[0], batch)), rng.random((sizes[L], batch))) for _ in range(8)]
    steps, p = 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or steps < 100:
        x, y = patterns[p % len(patterns)]
        for _ in range(10):
            # errors from the previous step
            new_err = [None] * L
            new_err[L - 1] = beta * (y - breve[L - 1])
            for k in range(L - 2, -1, -1):
                new_err[k] = slope[k] * (W[k + 1].T @ err[k + 1])
            # instantaneous forward pass
            r_prev = x
            pres = []
            for k in range(L):
                pres.append(r_prev)
                drive = W[k] @ r_prev + b[k]
                breve[k] = drive + new_err[k]
                slope[k] = acts[k][1](breve[k])
                r_prev = acts[k][0](breve[k])
            # membrane and weights
            for k in range(L):
                u[k] += dt / tau * (breve[k] - u[k])
                W[k] += dt * eta / batch * (new_err[k] @ pres[k].T)
                b[k] += dt * eta / batch * new_err[k].sum(axis=1, keepdims=True)
            err = new_err
            steps += 1
        p += 1
    per_step = (time.perf_counter() - start) / steps
    print(json.dumps({"network": "-".join(map(str, sizes)), "batch": batch,
                      "treatment": "numpy-vanilla", "steps": steps,
                      "seconds_per_step": float(f"{per_step:.3e}")}), flush=True)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    secs = 0.5 if quick else 3.0
    run([4, 120, 3], 20, secs)
    run([784, 300, 100, 10], 100, secs)
