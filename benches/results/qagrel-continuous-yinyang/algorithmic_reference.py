"""Algorithmic Q-AGREL (seed 002, eqs. 8-14 as backprop of 1/2 delta^2 on the selected output)
on the Yin-Yang bandit, in NumPy, with the settings of models/qagrel-continuous-yinyang.toml:
4-H-3, ReLU hidden, linear Q outputs, learned biases, W ~ N(0, std^2), batch B, reward 1/0,
max-Boltzmann (eps, T), alpha = eta * beta * w / (1 + beta) (the continuous rule's first-order
rate, w the nudge window). An independent reference for what the continuous rule could reach
if it followed the algorithmic update exactly (same distribution of data, not the same bits).

    python3 algorithmic_reference.py SEED [eta beta window eps temperature epochs std1 std2]
prints one JSON line per run: final greedy test accuracy.
"""
import json
import sys

import numpy as np


def yinyang(n, rng, R=0.5, r=0.1):
    def cls(x, y):
        dr = np.hypot(x - 1.5 * R, y - R)
        dl = np.hypot(x - 0.5 * R, y - R)
        if dr < r or dl < r:
            return 2
        if dr <= r or (r < dl <= R / 2) or (y > R and dr > R / 2):
            return 1
        return 0

    xs, ys = [], []
    while len(xs) < n:
        c = rng.integers(3)
        while True:
            x, y = rng.uniform(0, 2 * R, 2)
            if np.hypot(x - R, y - R) > R:
                continue
            if cls(x, y) == c:
                break
        xs.append([x, y, 1 - x, 1 - y])
        ys.append(c)
    return np.array(xs), np.array(ys)


def main():
    a = sys.argv[1:]
    seed = int(a[0])
    eta, beta, window, eps, temp, epochs, s1, s2 = (
        [float(v) for v in a[1:9]] if len(a) > 1 else [1.0, 0.1, 0.5, 0.2, 0.1, 20, 1.0, 0.01]
    )
    epochs = int(epochs)
    alpha = eta * beta * window / (1 + beta)
    rng = np.random.default_rng(seed)
    xtr, ytr = yinyang(5000, rng)
    xte, yte = yinyang(1000, rng)
    W1 = rng.normal(0, s1, (120, 4)); b1 = np.zeros(120)
    W2 = rng.normal(0, s2, (3, 120)); b2 = np.zeros(3)
    B = 20
    for _ in range(epochs):
        order = rng.permutation(5000)
        for i in range(0, 5000, B):
            idx = order[i:i + B]
            x = xtr[idx]
            z = x @ W1.T + b1
            h = np.maximum(z, 0)
            q = h @ W2.T + b2
            act = q.argmax(1)
            explore = rng.random(len(idx)) < eps
            p = np.exp((q - q.max(1, keepdims=True)) / temp)
            p /= p.sum(1, keepdims=True)
            sampled = np.array([rng.choice(3, p=pi) for pi in p])
            act = np.where(explore, sampled, act)
            r = (act == ytr[idx]).astype(float)
            delta = r - q[np.arange(len(idx)), act]
            g2 = np.zeros_like(q)
            g2[np.arange(len(idx)), act] = delta
            g1 = (g2 @ W2) * (z > 0)
            W2 += alpha / B * g2.T @ h; b2 += alpha / B * g2.sum(0)
            W1 += alpha / B * g1.T @ x; b1 += alpha / B * g1.sum(0)
    q = np.maximum(xte @ W1.T + b1, 0) @ W2.T + b2
    acc = float((q.argmax(1) == yte).mean())
    print(json.dumps({"seed": seed, "alpha": alpha, "eps": eps, "temperature": temp,
                      "epochs": epochs, "test_accuracy": acc}))


if __name__ == "__main__":
    main()
