#!/usr/bin/env python3
"""SciPy peer of `cargo run --release -p prospect-ode --example work_precision`.

Runs SciPy's Radau, BDF and LSODA on Robertson (to 1e5), Van der Pol mu = 1000 (to 3000) and
HIRES (to 321.8122) at rtol 1e-3 ... 1e-8 with the same atol rule and the same error measure,
with the analytic Jacobian, and prints the same JSON lines:
{"problem", "method", "rtol", "err", "steps", "nfev", "njev", "seconds"}.
`steps` is the number of accepted steps (SciPy reports no rejections); `seconds` the best of
repeated runs. Usage: python3 benches/scipy_work_precision.py [--quick]
"""
import json
import os
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "crates", "prospect-ode", "tests", "fixtures"))
import make_reference as ref  # noqa: E402  (the same right-hand sides and Jacobians)

with open(os.path.join(HERE, "..", "crates", "prospect-ode", "tests", "fixtures",
                       "reference.json")) as fh:
    REFERENCE = json.load(fh)["problems"]

# name: (f, jac, y0, t_end, atol per rtol) — as in the Rust example.
CASES = {
    "robertson": (ref.robertson, ref.robertson_jac, [1.0, 0.0, 0.0], 1e5, 1e-4),
    "vdp1000": (ref.vdp, ref.vdp_jac, [2.0, 0.0], 3000.0, 1.0),
    "hires": (ref.hires, ref.hires_jac, [1, 0, 0, 0, 0, 0, 0, 0.0057], 321.8122, 1e-4),
}


def main():
    quick = "--quick" in sys.argv
    min_seconds = 0.0 if quick else 1.0
    for rtol in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]:
        for name, (f, jac, y0, t_end, atol_per_rtol) in CASES.items():
            atol = rtol * atol_per_rtol
            reference = np.array(REFERENCE[name]["states"][-1])
            for method in ["Radau", "BDF", "LSODA"]:
                best, total, sol = float("inf"), 0.0, None
                while sol is None or total < min_seconds:
                    t0 = time.perf_counter()
                    sol = solve_ivp(f, (0.0, t_end), y0, method=method, rtol=rtol, atol=atol,
                                    jac=jac)
                    dt = time.perf_counter() - t0
                    best, total = min(best, dt), total + dt
                if not sol.success:
                    print(f"{name} {method} rtol {rtol:g}: {sol.message}", file=sys.stderr)
                    continue
                err = float(np.max(np.abs(sol.y[:, -1] - reference) / (np.abs(reference) + atol)))
                print(json.dumps({"problem": name, "method": f"scipy-{method.lower()}",
                                  "rtol": rtol, "err": float(f"{err:.3e}"),
                                  "steps": len(sol.t) - 1, "nfev": int(sol.nfev),
                                  "njev": int(sol.njev), "seconds": float(f"{best:.3e}")}),
                      flush=True)


if __name__ == "__main__":
    main()
