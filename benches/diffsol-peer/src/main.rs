//! diffsol (BDF, ESDIRK34, TR-BDF2) on the problems of prospect-ode's work-precision benchmark,
//! printing the same JSON lines. `nfev` counts right-hand-side calls; `njev` counts
//! Jacobian–vector products (diffsol builds its Jacobian from them).

use diffsol::{NalgebraLU, NalgebraMat, OdeBuilder, OdeSolverMethod, Vector};
use std::cell::Cell;
use std::time::Instant;

type M = NalgebraMat<f64>;
type LS = NalgebraLU<f64>;

struct Case {
    name: &'static str,
    atol_per_rtol: f64,
    t_end: f64,
    y0: Vec<f64>,
    rhs: fn(&[f64], &mut [f64]),
    jac_vec: fn(&[f64], &[f64], &mut [f64]),
}

fn robertson(y: &[f64], dy: &mut [f64]) {
    let (r1, r2, r3) = (0.04 * y[0], 3e7 * y[1] * y[1], 1e4 * y[1] * y[2]);
    dy[0] = -r1 + r3;
    dy[1] = r1 - r2 - r3;
    dy[2] = r2;
}

fn robertson_jv(y: &[f64], v: &[f64], out: &mut [f64]) {
    out[0] = -0.04 * v[0] + 1e4 * (y[2] * v[1] + y[1] * v[2]);
    out[1] = 0.04 * v[0] - (6e7 * y[1] + 1e4 * y[2]) * v[1] - 1e4 * y[1] * v[2];
    out[2] = 6e7 * y[1] * v[1];
}

const MU: f64 = 1000.0;

fn vdp(y: &[f64], dy: &mut [f64]) {
    dy[0] = y[1];
    dy[1] = MU * (1.0 - y[0] * y[0]) * y[1] - y[0];
}

fn vdp_jv(y: &[f64], v: &[f64], out: &mut [f64]) {
    out[0] = v[1];
    out[1] = (-2.0 * MU * y[0] * y[1] - 1.0) * v[0] + MU * (1.0 - y[0] * y[0]) * v[1];
}

fn hires(y: &[f64], dy: &mut [f64]) {
    let r = 280.0 * y[5] * y[7];
    dy[0] = -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007;
    dy[1] = 1.71 * y[0] - 8.75 * y[1];
    dy[2] = -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4];
    dy[3] = 8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3];
    dy[4] = -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6];
    dy[5] = -r + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6];
    dy[6] = r - 1.81 * y[6];
    dy[7] = -r + 1.81 * y[6];
}

fn hires_jv(y: &[f64], v: &[f64], out: &mut [f64]) {
    let dr = 280.0 * (y[7] * v[5] + y[5] * v[7]);
    out[0] = -1.71 * v[0] + 0.43 * v[1] + 8.32 * v[2];
    out[1] = 1.71 * v[0] - 8.75 * v[1];
    out[2] = -10.03 * v[2] + 0.43 * v[3] + 0.035 * v[4];
    out[3] = 8.32 * v[1] + 1.71 * v[2] - 1.12 * v[3];
    out[4] = -1.745 * v[4] + 0.43 * v[5] + 0.43 * v[6];
    out[5] = -dr + 0.69 * v[3] + 1.71 * v[4] - 0.43 * v[5] + 0.69 * v[6];
    out[6] = dr - 1.81 * v[6];
    out[7] = -dr + 1.81 * v[6];
}

fn reference_end_state(name: &str) -> Vec<f64> {
    let text = include_str!("../../../crates/prospect-ode/tests/fixtures/reference.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let states = json["problems"][name]["states"].as_array().unwrap();
    states.last().unwrap().as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// One solve: end state, steps (accepted + error-test failures), rhs calls, jac-vec calls.
fn run(case: &Case, method: &str, rtol: f64) -> Option<(Vec<f64>, usize, usize, usize)> {
    let n = case.y0.len();
    let nfev = Cell::new(0usize);
    let njv = Cell::new(0usize);
    let (f, jv) = (case.rhs, case.jac_vec);
    let y0 = case.y0.clone();
    let problem = OdeBuilder::<M>::new()
        .rtol(rtol)
        .atol(vec![rtol * case.atol_per_rtol; n])
        .rhs_implicit(
            |x: &[f64], _p: &[f64], _t: f64, y: &mut [f64]| {
                nfev.set(nfev.get() + 1);
                f(x, y)
            },
            |x: &[f64], _p: &[f64], _t: f64, v: &[f64], y: &mut [f64]| {
                njv.set(njv.get() + 1);
                jv(x, v, y)
            },
        )
        .init(move |_p: &[f64], _t: f64, y: &mut [f64]| y.copy_from_slice(&y0), n)
        .build()
        .ok()?;
    let (y, stats) = match method {
        "bdf" => {
            let mut s = problem.bdf::<LS>().ok()?;
            s.solve(case.t_end).ok()?;
            (s.state().y.clone_as_vec(), s.get_statistics().clone())
        }
        "esdirk34" => {
            let mut s = problem.esdirk34::<LS>().ok()?;
            s.solve(case.t_end).ok()?;
            (s.state().y.clone_as_vec(), s.get_statistics().clone())
        }
        _ => {
            let mut s = problem.tr_bdf2::<LS>().ok()?;
            s.solve(case.t_end).ok()?;
            (s.state().y.clone_as_vec(), s.get_statistics().clone())
        }
    };
    let steps = stats.number_of_steps + stats.number_of_error_test_failures;
    Some((y, steps, nfev.get(), njv.get()))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let min_seconds = if quick { 0.0 } else { 0.2 };
    let cases = [
        Case {
            name: "robertson",
            atol_per_rtol: 1e-4,
            t_end: 1e5,
            y0: vec![1.0, 0.0, 0.0],
            rhs: robertson,
            jac_vec: robertson_jv,
        },
        Case {
            name: "vdp1000",
            atol_per_rtol: 1.0,
            t_end: 3000.0,
            y0: vec![2.0, 0.0],
            rhs: vdp,
            jac_vec: vdp_jv,
        },
        Case {
            name: "hires",
            atol_per_rtol: 1e-4,
            t_end: 321.8122,
            y0: vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0057],
            rhs: hires,
            jac_vec: hires_jv,
        },
    ];
    for rtol in [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8] {
        for case in &cases {
            for method in ["bdf", "esdirk34", "tr_bdf2"] {
                let t0 = Instant::now();
                let Some((y, steps, nfev, njv)) = run(case, method, rtol) else {
                    eprintln!("{} diffsol-{method} rtol {rtol:e}: failed", case.name);
                    continue;
                };
                let mut best = t0.elapsed().as_secs_f64();
                let mut total = best;
                while total < min_seconds {
                    let t0 = Instant::now();
                    run(case, method, rtol);
                    let dt = t0.elapsed().as_secs_f64();
                    best = best.min(dt);
                    total += dt;
                }
                let reference = reference_end_state(case.name);
                let atol = rtol * case.atol_per_rtol;
                let err = y
                    .iter()
                    .zip(&reference)
                    .map(|(a, b)| (a - b).abs() / (b.abs() + atol))
                    .fold(0.0, f64::max);
                println!(
                    "{{\"problem\": \"{}\", \"method\": \"diffsol-{method}\", \"rtol\": {rtol:e}, \
                     \"err\": {err:.3e}, \"steps\": {steps}, \"nfev\": {nfev}, \"njev\": {njv}, \
                     \"seconds\": {best:.3e}}}",
                    case.name
                );
            }
        }
    }
}
