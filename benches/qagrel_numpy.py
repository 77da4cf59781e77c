#!/usr/bin/env python3
"""NumPy peer of prospect's algorithmic Q-AGREL epoch (speed benchmark, issue 11; not a test).

One epoch = 60 000 images in batches of 100 through 784-300-100-10 (ReLU hidden layers, linear
Q outputs, no biases, weights U[-0.05, 0.05]): per batch the forward pass, max-Boltzmann
selection (arg-max with probability 1 - eps, else a sample of softmax(q / T)), reward 1 for the
right class, and the Q-AGREL update with symmetric feedback (the same structure prospect uses:
the output layer's attention is a row gather of W2, its change one row per sample); then the
same epoch of the error-backprop step (squared error to one-hot targets, all outputs).
Random pixels in [0, 1) and random labels (the timing does not depend on the values).

    python3 benches/qagrel_numpy.py            # all four settings, one subprocess each
    python3 benches/qagrel_numpy.py --child float32 2 --epochs 2

Each child sets the BLAS thread count in its environment before importing numpy and prints
one JSON line per method: {"dtype", "threads", "method", "seconds_per_epoch" (wall clock),
"cpu_seconds_per_epoch" (process CPU time, all threads; OpenBLAS's idle threads spin, so on 2
threads it overstates the work), "numpy"}, each the fastest of --epochs epochs after a 20-batch
warm-up.
"""
import json
import os
import subprocess
import sys
import time

SIZES = (784, 300, 100, 10)
BATCH = 100
IMAGES = 60_000
EPS, TEMP = 0.02, 1.0


def child(dtype_name, threads, epochs):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import numpy as np  # after the thread count is set

    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng(0)
    x_all = rng.random((IMAGES, SIZES[0]), dtype=np.float32).astype(dtype)
    labels_all = rng.integers(0, SIZES[-1], IMAGES)
    eye = np.eye(SIZES[-1], dtype=dtype)
    rows = np.arange(BATCH)

    def init():
        return [rng.uniform(-0.05, 0.05, (SIZES[k + 1], SIZES[k])).astype(dtype) for k in range(3)]

    def forward(w, x):
        h1 = np.maximum(x @ w[0].T, 0)
        h2 = np.maximum(h1 @ w[1].T, 0)
        return h1, h2, h2 @ w[2].T

    def qagrel_epoch(w, alpha, n_batches):
        scale = dtype.type(alpha / BATCH)
        for i in range(n_batches):
            x = x_all[i * BATCH:(i + 1) * BATCH]
            y = labels_all[i * BATCH:(i + 1) * BATCH]
            h1, h2, q = forward(w, x)
            # max-Boltzmann selection
            s = q.argmax(axis=1)
            explore = rng.random(BATCH) < EPS
            if explore.any():
                z = q[explore] / TEMP
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                u = rng.random(p.shape[0])[:, None]
                s[explore] = np.minimum((p.cumsum(axis=1) < u).sum(axis=1), SIZES[-1] - 1)
            r = (s == y).astype(dtype)
            c = scale * (r - q[rows, s])
            # attention below the output: a row gather of W2 (before any change)
            p2 = (h2 > 0) * w[2][s] * c[:, None]
            p1 = (h1 > 0) * (p2 @ w[1])
            w[2] += (eye[s] * c[:, None]).T @ h2  # one row per sample (10×B by B×100)
            w[1] += p2.T @ h1
            w[0] += p1.T @ x

    def backprop_epoch(w, alpha, n_batches):
        scale = dtype.type(alpha / BATCH)
        for i in range(n_batches):
            x = x_all[i * BATCH:(i + 1) * BATCH]
            y = labels_all[i * BATCH:(i + 1) * BATCH]
            h1, h2, q = forward(w, x)
            e = scale * (q - eye[y])
            p2 = (h2 > 0) * (e @ w[2])
            p1 = (h1 > 0) * (p2 @ w[1])
            w[2] -= e.T @ h2
            w[1] -= p2.T @ h1
            w[0] -= p1.T @ x

    n_batches = IMAGES // BATCH
    for method, epoch, alpha in (("qagrel", qagrel_epoch, 0.5), ("backprop", backprop_epoch, 0.05)):
        w = init()
        epoch(w, alpha, 20)  # warm-up
        best, best_cpu = float("inf"), float("inf")
        for _ in range(epochs):
            start, cpu = time.perf_counter(), time.process_time()
            epoch(w, alpha, n_batches)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - cpu)
        print(json.dumps({"dtype": dtype_name, "threads": threads, "method": method,
                          "seconds_per_epoch": best, "cpu_seconds_per_epoch": best_cpu,
                          "numpy": np.__version__}), flush=True)


def main():
    args = sys.argv[1:]
    epochs = 2
    if "--epochs" in args:
        i = args.index("--epochs")
        epochs = int(args[i + 1])
        del args[i:i + 2]
    if args and args[0] == "--child":
        child(args[1], int(args[2]), epochs)
        return
    for dtype_name in ("float32", "float64"):
        for threads in (1, 2):
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                       MKL_NUM_THREADS=str(threads))
            subprocess.run([sys.executable, __file__, "--child", dtype_name, str(threads),
                            "--epochs", str(epochs)], env=env, check=True)


if __name__ == "__main__":
    main()
