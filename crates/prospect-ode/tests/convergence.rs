//! Convergence orders measured on problems with known solutions: the fitted slope of
//! log(global error) against log(h) must lie within 0.2 of each method's order.

use prospect_ode::{Integrator, Method, OdeSystem, Options};

/// `y' = λ y + sin t`, exact solution `y = C e^{λt} + A sin t + B cos t` with
/// `A = −λ/(1+λ²)`, `B = −1/(1+λ²)`, `C = y0 − B`. Linear part λ (for exponential Euler).
struct ForcedLeak {
    lambda: f64,
}

impl ForcedLeak {
    fn exact(&self, y0: f64, t: f64) -> f64 {
        let l = self.lambda;
        let (a, b) = (-l / (1.0 + l * l), -1.0 / (1.0 + l * l));
        (y0 - b) * (l * t).exp() + a * t.sin() + b * t.cos()
    }
}

impl OdeSystem for ForcedLeak {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = self.lambda * y[0] + t.sin();
    }
    fn linear_diagonal(&self, lambda: &mut [f64]) -> bool {
        lambda[0] = self.lambda;
        true
    }
}

/// A nonlinear pair: the logistic `y1' = y1 (1 − y1)` with `y1 = 1/(1 + 9 e^{−t})`, and
/// `y2' = −y2²` with `y2 = 1/(1 + t)`.
struct Nonlinear;

impl OdeSystem for Nonlinear {
    fn dim(&self) -> usize {
        2
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        let _ = t;
        dy[0] = y[0] * (1.0 - y[0]);
        dy[1] = -y[1] * y[1];
    }
    fn linear_diagonal(&self, lambda: &mut [f64]) -> bool {
        lambda.fill(0.0);
        true
    }
}

fn fixed_step_options(dt: f64) -> Options {
    Options {
        adaptive: false,
        ..Options::fixed(dt)
    }
}

fn fitted_slope(hs: &[f64], errors: &[f64]) -> f64 {
    let xs: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
    let ys: Vec<f64> = errors.iter().map(|e| e.ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// Global error (max over components and over four checkpoints in `(0, t_end]`) for each step
/// count, and the fitted slope against h.
fn measured_order<S: OdeSystem>(
    method: Method,
    make: impl Fn() -> S,
    y0: &[f64],
    t_end: f64,
    exact: impl Fn(f64) -> Vec<f64>,
    steps: &[usize],
) -> f64 {
    let mut hs = Vec::new();
    let mut errors = Vec::new();
    for &n in steps {
        let h = t_end / n as f64;
        let mut ode = Integrator::new(make(), method, 0.0, y0, fixed_step_options(h)).unwrap();
        let mut err = 0.0f64;
        for k in 1..=4 {
            let t = t_end * k as f64 / 4.0;
            ode.advance_to(t).unwrap();
            for (a, b) in ode.state().iter().zip(exact(t)) {
                err = err.max((a - b).abs());
            }
        }
        assert_eq!(ode.stats().accepted_steps, n, "{method}: fixed steps");
        hs.push(h);
        errors.push(err);
    }
    fitted_slope(&hs, &errors)
}

const ORDERS: [(Method, f64, [usize; 4]); 6] = [
    (Method::Euler, 1.0, [40, 80, 160, 320]),
    (Method::ExponentialEuler, 1.0, [40, 80, 160, 320]),
    (Method::Bs3, 3.0, [20, 40, 80, 160]),
    (Method::Rk4, 4.0, [20, 40, 80, 160]),
    (Method::Rodas4, 4.0, [20, 40, 80, 160]),
    (Method::Dopri5, 5.0, [24, 48, 96, 192]),
];

#[test]
fn every_method_converges_at_its_order_on_a_forced_leak() {
    let sys = ForcedLeak { lambda: -2.0 };
    let (y0, t_end) = (1.5, 2.0);
    let exact = |t| vec![sys.exact(y0, t)];
    for (method, order, steps) in ORDERS {
        let slope = measured_order(
            method,
            || ForcedLeak { lambda: -2.0 },
            &[y0],
            t_end,
            exact,
            &steps,
        );
        assert!(
            (slope - order).abs() <= 0.2,
            "{method}: slope {slope:.3}, order {order}"
        );
    }
}

/// On this nonlinear system Dormand–Prince's sixth-order terms dominate down to step sizes where
/// round-off sets in (its leading error constants are tuned small), so the fitted slope is checked
/// from below only: at least the order, minus 0.2. The forced leak above checks it both ways.
#[test]
fn every_method_converges_at_least_at_its_order_on_a_nonlinear_system() {
    let exact = |t: f64| vec![1.0 / (1.0 + 9.0 * (-t).exp()), 1.0 / (1.0 + t)];
    for (method, order, steps) in ORDERS {
        let slope = measured_order(method, || Nonlinear, &[0.1, 1.0], 4.0, exact, &steps);
        assert!(
            slope >= order - 0.2,
            "{method}: slope {slope:.3}, order {order}"
        );
        if method != Method::Dopri5 {
            assert!(
                slope <= order + 0.2,
                "{method}: slope {slope:.3}, order {order}"
            );
        }
    }
}

#[test]
fn exponential_euler_is_exact_for_a_pure_leak_at_any_step() {
    // y' = −y/τ with τ = 10: exponential Euler reproduces e^{−t/τ} even with dt = 3τ.
    struct Leak;
    impl OdeSystem for Leak {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -y[0] / 10.0;
        }
        fn linear_diagonal(&self, l: &mut [f64]) -> bool {
            l[0] = -0.1;
            true
        }
    }
    let mut ode = Integrator::new(
        Leak,
        Method::ExponentialEuler,
        0.0,
        &[2.0],
        Options::fixed(30.0),
    )
    .unwrap();
    ode.advance_to(90.0).unwrap();
    assert!((ode.state()[0] - 2.0 * (-9.0f64).exp()).abs() < 1e-15);
}

#[test]
fn dense_output_between_steps_matches_the_exact_solution() {
    // Save at 101 points on [0, 2]; the steps are much longer than the spacing, so nearly every
    // value comes from dense output (Dopri5's and Rodas4's own, Hermite for RK4).
    let sys = ForcedLeak { lambda: -2.0 };
    let times: Vec<f64> = (0..=100).map(|i| 0.02 * i as f64).collect();
    for (method, options, tol) in [
        (Method::Dopri5, Options::adaptive(1e-9, 1e-12), 1e-7),
        (Method::Rodas4, Options::adaptive(1e-7, 1e-10), 1e-5),
        (Method::Rk4, Options::fixed(0.1), 1e-5),
    ] {
        let mut ode =
            Integrator::new(ForcedLeak { lambda: -2.0 }, method, 0.0, &[1.5], options).unwrap();
        let got = ode.save_at(&times).unwrap();
        assert!(
            ode.stats().accepted_steps < times.len() - 1,
            "{method}: {:?}",
            ode.stats()
        );
        for (t, y) in times.iter().zip(&got) {
            let err = (y[0] - sys.exact(1.5, *t)).abs();
            assert!(err < tol, "{method} at t = {t}: error {err:e}");
        }
    }
}
