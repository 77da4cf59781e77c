//! Work–precision benchmark on Robertson (to t = 1e5), Van der Pol μ = 1000 (to t = 3000) and
//! HIRES (to t = 321.8122) over rtol = 1e-3 … 1e-8.
//!
//! Prints one JSON object per line:
//! `{"problem", "method", "rtol", "err", "steps", "nfev", "njev", "seconds"}` where `err` is the
//! largest component error at the end time relative to `|reference| + atol` (the reference from
//! `tests/fixtures/reference.json`, SciPy Radau at rtol 1e-12), `steps` counts accepted and
//! rejected steps, and `seconds` is the best of several repeated runs.
//!
//! `cargo run --release -p prospect-ode --example work_precision [--quick]`

use prospect_ode::problems::{Hires, Robertson, VanDerPol};
use prospect_ode::{Integrator, Method, OdeSystem, Options, Stats};
use std::time::Instant;

/// Problem name, absolute tolerance as a multiple of rtol, end time, initial state.
struct Case {
    name: &'static str,
    atol_per_rtol: f64,
    t_end: f64,
    y0: Vec<f64>,
}

fn reference_end_state(name: &str) -> Vec<f64> {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/reference.json")).unwrap();
    let states = json["problems"][name]["states"].as_array().unwrap();
    let last = states.last().unwrap().as_array().unwrap();
    last.iter().map(|v| v.as_f64().unwrap()).collect()
}

fn run_once<S: OdeSystem>(
    system: S,
    method: Method,
    case: &Case,
    rtol: f64,
) -> Option<(Vec<f64>, Stats)> {
    let options = Options {
        max_steps: 2_000_000,
        ..Options::adaptive(rtol, rtol * case.atol_per_rtol)
    };
    let mut ode = Integrator::new(system, method, 0.0, &case.y0, options).ok()?;
    ode.advance_to(case.t_end).ok()?;
    Some((ode.state().to_vec(), ode.stats()))
}

fn measure<S: OdeSystem>(
    make: impl Fn() -> S,
    method: Method,
    label: &str,
    case: &Case,
    rtol: f64,
    min_seconds: f64,
) {
    let start = Instant::now();
    let Some((y, stats)) = run_once(make(), method, case, rtol) else {
        eprintln!("{} {label} rtol {rtol:e}: failed", case.name);
        return;
    };
    let mut best = start.elapsed().as_secs_f64();
    let mut total = best;
    while total < min_seconds {
        let t0 = Instant::now();
        run_once(make(), method, case, rtol);
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
        "{{\"problem\": \"{}\", \"method\": \"{label}\", \"rtol\": {rtol:e}, \"err\": {err:.3e}, \
         \"steps\": {}, \"nfev\": {}, \"njev\": {}, \"seconds\": {best:.3e}}}",
        case.name,
        stats.steps(),
        stats.rhs_evaluations,
        stats.jacobian_evaluations
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let min_seconds = if quick { 0.0 } else { 0.2 };
    let rtols = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
    let robertson = Case {
        name: "robertson",
        atol_per_rtol: 1e-4,
        t_end: 1e5,
        y0: Robertson::Y0.to_vec(),
    };
    let vdp = Case {
        name: "vdp1000",
        atol_per_rtol: 1.0,
        t_end: 3000.0,
        y0: VanDerPol::Y0.to_vec(),
    };
    let hires = Case {
        name: "hires",
        atol_per_rtol: 1e-4,
        t_end: Hires::T_END,
        y0: Hires::Y0.to_vec(),
    };
    for rtol in rtols {
        for (method, jac, label) in [
            (Method::Rodas4, true, "rodas4"),
            (Method::Rodas4, false, "rodas4-fdjac"),
            (Method::Bdf, true, "bdf"),
            (Method::Bdf, false, "bdf-fdjac"),
        ] {
            let r = |analytic_jacobian| move || Robertson { analytic_jacobian };
            measure(r(jac), method, label, &robertson, rtol, min_seconds);
            let v = |analytic_jacobian| {
                move || VanDerPol {
                    mu: 1000.0,
                    analytic_jacobian,
                }
            };
            measure(v(jac), method, label, &vdp, rtol, min_seconds);
            let h = |analytic_jacobian| move || Hires { analytic_jacobian };
            measure(h(jac), method, label, &hires, rtol, min_seconds);
        }
        // The explicit peer, on the one problem it can finish (HIRES is only mildly stiff).
        let h = || Hires {
            analytic_jacobian: false,
        };
        measure(h, Method::Dopri5, "dopri5", &hires, rtol, min_seconds);
    }
}
