# Independent NumPy check of Sutton & Barto (2018) Fig. 2.5 (gradient bandit, §2.8, eq. 2.12):
# 10 arms, q*(a) ~ N(4, 1), reward ~ N(q*(A), 1), H = 0, pi = softmax(H), A ~ pi,
# baseline R̄ = mean of the rewards up to and including this step (updated before the update),
# H(a) += alpha (R - R̄)(1{a=A} - pi(a)). 20 000 runs x 1000 steps, seed 0.
# Run: python3 benches/results/gradient-bandit-numpy.py > benches/results/gradient-bandit-numpy.txt
# Used by prospect-tasks' test gradient_bandit_reproduces_sutton_barto_figure_2_5 as the reference.
import numpy as np

def run(alpha, baseline, runs=20000, steps=1000, k=10, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.normal(4.0, 1.0, (runs, k))
    best = q.argmax(1)
    h = np.zeros((runs, k))
    r_bar = np.zeros(runs)
    optimal = np.zeros(steps)
    rows = np.arange(runs)
    for t in range(1, steps + 1):
        e = np.exp(h - h.max(1, keepdims=True))
        pi = e / e.sum(1, keepdims=True)
        a = np.minimum((rng.random((runs, 1)) >= pi.cumsum(1)).sum(1), k - 1)
        r = rng.normal(q[rows, a], 1.0)
        optimal[t - 1] = (a == best).mean()
        if baseline:
            r_bar += (r - r_bar) / t
        modulator = r - r_bar if baseline else r
        chosen = np.zeros((runs, k))
        chosen[rows, a] = 1.0
        h += alpha * modulator[:, None] * (chosen - pi)
    return optimal

print("# python3 benches/results/gradient-bandit-numpy.py > benches/results/gradient-bandit-numpy.txt")
print("# alpha baseline pct_optimal_step1000 std_error_pct pct_optimal_mean_steps991_1000")
for alpha, baseline in ((0.1, True), (0.4, True), (0.1, False), (0.4, False)):
    o = run(alpha, baseline)
    p = o[-1]
    print(f"{alpha} {baseline} {100 * p:.2f} {100 * np.sqrt(p * (1 - p) / 20000):.2f} {100 * o[-10:].mean():.2f}")
