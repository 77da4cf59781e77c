//! Stiff test problems against published values and stored reference solutions
//! (`fixtures/reference.json`, made by `fixtures/make_reference.py` with SciPy's Radau at
//! rtol 1e-12).

use prospect_ode::problems::{Hires, Robertson, VanDerPol};
use prospect_ode::{Integrator, Method, OdeSystem, Options, Tolerance, Tolerances};
use serde_json::Value;

fn reference(problem: &str) -> (Vec<f64>, Vec<Vec<f64>>) {
    let text = include_str!("fixtures/reference.json");
    let json: Value = serde_json::from_str(text).unwrap();
    let p = &json["problems"][problem];
    let times = p["times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let states = p["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    (times, states)
}

/// Largest relative error over components, each measured against `|reference| + floor`.
fn max_relative_error(got: &[f64], want: &[f64], floor: f64) -> f64 {
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / (w.abs() + floor))
        .fold(0.0, f64::max)
}

/// Published Robertson solution at t = 40 (Hairer & Wanner II, the values).
const ROBERTSON_T40: [f64; 3] = [0.7158270687193, 9.185534764529e-6, 0.2841637457459];

fn robertson_options(rtol: f64) -> Options {
    // y2 lives near 1e-5: its absolute tolerance must be far below that.
    Options {
        tolerances: Tolerances {
            rtol: Tolerance::Scalar(rtol),
            atol: Tolerance::PerComponent(vec![1e-8 * rtol, 1e-12 * rtol, 1e-8 * rtol]),
        },
        ..Options::default()
    }
}

/// The two stiff methods.
const STIFF: [Method; 2] = [Method::Rodas4, Method::Bdf];

#[test]
fn robertson_at_t40_matches_the_published_solution() {
    for method in STIFF {
        for analytic_jacobian in [true, false] {
            let sys = Robertson { analytic_jacobian };
            let mut ode =
                Integrator::new(sys, method, 0.0, &Robertson::Y0, robertson_options(1e-7)).unwrap();
            ode.advance_to(40.0).unwrap();
            let err = max_relative_error(ode.state(), &ROBERTSON_T40, 0.0);
            assert!(
                err <= 1e-5,
                "{method}, analytic J {analytic_jacobian}: relative error {err:e}"
            );
        }
    }
    // The fixture agrees with the published values too (checks the fixture).
    let (_, states) = reference("robertson");
    assert!(max_relative_error(&states[2], &ROBERTSON_T40, 0.0) < 1e-10);
}

#[test]
fn robertson_to_1e11_conserves_mass() {
    for method in STIFF {
        let sys = Robertson {
            analytic_jacobian: true,
        };
        let mut ode =
            Integrator::new(sys, method, 0.0, &Robertson::Y0, robertson_options(1e-7)).unwrap();
        let mut t = 1e-6;
        while t <= 1e11 {
            ode.advance_to(t).unwrap();
            let mass: f64 = ode.state().iter().sum();
            assert!((mass - 1.0).abs() <= 1e-9, "{method} t = {t}: mass {mass}");
            assert!(
                ode.state().iter().all(|v| *v > -1e-12),
                "{method} t = {t}: {:?}",
                ode.state()
            );
            t *= 10.0;
        }
        // Asymptotically everything ends up in y3.
        assert!(ode.state()[2] > 0.9999, "{method}: {:?}", ode.state());
        assert!(
            ode.stats().accepted_steps < 3000,
            "{method}: {:?}",
            ode.stats()
        );
    }
}

#[test]
fn rodas4_takes_ten_times_fewer_steps_than_dopri5_on_robertson() {
    let run = |method| {
        let sys = Robertson {
            analytic_jacobian: true,
        };
        let mut ode =
            Integrator::new(sys, method, 0.0, &Robertson::Y0, robertson_options(1e-6)).unwrap();
        ode.advance_to(40.0).unwrap();
        ode.stats().steps()
    };
    let (stiff, explicit) = (run(Method::Rodas4), run(Method::Dopri5));
    assert!(
        explicit >= 10 * stiff,
        "rodas4 {stiff} steps, dopri5 {explicit}"
    );
}

#[test]
fn van_der_pol_mu_1000_matches_the_reference_at_rtol_level() {
    let (times, states) = reference("vdp1000");
    for (method, rtol) in [
        (Method::Rodas4, 1e-6),
        (Method::Rodas4, 1e-8),
        (Method::Bdf, 1e-6),
        (Method::Bdf, 1e-8),
    ] {
        let sys = VanDerPol {
            mu: 1000.0,
            analytic_jacobian: true,
        };
        let mut ode = Integrator::new(
            sys,
            method,
            0.0,
            &VanDerPol::Y0,
            Options::adaptive(rtol, rtol),
        )
        .unwrap();
        let got = ode.save_at(&times).unwrap();
        for ((t, g), w) in times.iter().zip(&got).zip(&states) {
            // y2 is O(1e-3) on the slow branch and O(1e3) in the jumps: an absolute floor of 1.
            let err = max_relative_error(g, w, 1.0);
            // Global errors grow through the jumps; multistep methods more so (SciPy's BDF
            // ends 750 × rtol off at rtol 1e-8, docs/benchmarks.md).
            let factor = if method == Method::Bdf { 500.0 } else { 100.0 };
            assert!(
                err <= factor * rtol,
                "{method} rtol {rtol:e}, t = {t}: error {err:e}"
            );
        }
    }
}

#[test]
fn hires_matches_the_reference_at_rtol_level() {
    let (times, states) = reference("hires");
    for (method, rtol, analytic_jacobian) in [
        (Method::Rodas4, 1e-6, true),
        (Method::Rodas4, 1e-8, true),
        (Method::Rodas4, 1e-8, false),
        (Method::Bdf, 1e-6, true),
        (Method::Bdf, 1e-8, false),
    ] {
        let sys = Hires { analytic_jacobian };
        let options = Options::adaptive(rtol, 1e-4 * rtol);
        let mut ode = Integrator::new(sys, method, 0.0, &Hires::Y0, options).unwrap();
        let got = ode.save_at(&times).unwrap();
        for ((t, g), w) in times.iter().zip(&got).zip(&states) {
            let err = max_relative_error(g, w, 1e-4);
            assert!(
                err <= 10.0 * rtol,
                "{method} rtol {rtol:e} J {analytic_jacobian} t={t}: {err:e}"
            );
        }
    }
}

/// Our Dormand–Prince and `ode_solvers`' agree to tolerance on a non-stiff problem
/// (Van der Pol, μ = 1, to t = 10).
#[test]
fn dopri5_agrees_with_ode_solvers() {
    type State = ode_solvers::Vector2<f64>;
    struct Vdp;
    impl ode_solvers::System<f64, State> for Vdp {
        fn system(&self, _t: f64, y: &State, dy: &mut State) {
            dy[0] = y[1];
            dy[1] = (1.0 - y[0] * y[0]) * y[1] - y[0];
        }
    }
    let mut theirs =
        ode_solvers::Dopri5::new(Vdp, 0.0, 10.0, 10.0, State::new(2.0, 0.0), 1e-10, 1e-10);
    theirs.set_output(ode_solvers::dop_shared::OutputType::Sparse);
    theirs.integrate().unwrap();
    assert_eq!(*theirs.x_out().last().unwrap(), 10.0);
    let their_end = theirs.y_out().last().unwrap();

    let sys = VanDerPol {
        mu: 1.0,
        analytic_jacobian: false,
    };
    let mut ode = Integrator::new(
        sys,
        Method::Dopri5,
        0.0,
        &VanDerPol::Y0,
        Options::adaptive(1e-10, 1e-10),
    )
    .unwrap();
    ode.advance_to(10.0).unwrap();
    for i in 0..2 {
        assert!(
            (ode.state()[i] - their_end[i]).abs() < 1e-7,
            "{:?} vs {their_end:?}",
            ode.state()
        );
    }
}

/// A system whose input switches: `y' = −y + u`, with `u` set between calls.
struct Driven {
    input: f64,
}

impl OdeSystem for Driven {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        dy[0] = -y[0] + self.input;
    }
    fn linear_diagonal(&self, l: &mut [f64]) -> bool {
        l[0] = -1.0;
        true
    }
}

#[test]
fn stepping_interface_follows_inputs_changed_between_calls() {
    // Piecewise-constant input 1, 0, 2 on [0,1), [1,2), [2,3): exact solution by pieces.
    let inputs = [1.0, 0.0, 2.0];
    let mut exact = 0.0f64;
    for method in Method::ALL {
        let options = if method.is_fixed_step() {
            Options::fixed(1e-3)
        } else {
            Options::adaptive(1e-9, 1e-12)
        };
        let mut ode = Integrator::new(Driven { input: 0.0 }, method, 0.0, &[0.0], options).unwrap();
        exact = 0.0;
        for (k, u) in inputs.iter().enumerate() {
            ode.system_mut().input = *u;
            ode.advance_to((k + 1) as f64).unwrap();
            assert_eq!(ode.t(), (k + 1) as f64, "{method} lands exactly");
            exact = u + (exact - u) * (-1.0f64).exp();
            let tol = if method.is_fixed_step() && method != Method::Rk4 {
                1e-3
            } else {
                1e-7
            };
            assert!((ode.state()[0] - exact).abs() < tol, "{method} piece {k}");
            // The derivative is that of the current input.
            let d = ode.derivative()[0];
            assert!((d - (-ode.state()[0] + u)).abs() < 1e-12, "{method}");
        }
    }
    assert!(exact > 0.0);
}

#[test]
fn failures_are_typed_and_say_where() {
    use prospect_ode::OdeError;
    // Blow-up y' = y², y(0) = 1 at t = 1.
    struct BlowUp;
    impl OdeSystem for BlowUp {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = y[0] * y[0];
        }
    }
    let mut adaptive = Integrator::new(
        BlowUp,
        Method::Dopri5,
        0.0,
        &[1.0],
        Options::adaptive(1e-6, 1e-6),
    )
    .unwrap();
    match adaptive.advance_to(2.0) {
        Err(OdeError::StepSizeTooSmall { t, .. }) | Err(OdeError::NonFiniteState { t, .. }) => {
            assert!((t - 1.0).abs() < 1e-2, "stopped at t = {t}")
        }
        other => panic!("expected a step-size or non-finite failure, got {other:?}"),
    }
    // The implicit multistep method fails with a typed error near the singularity too.
    let mut bdf = Integrator::new(
        BlowUp,
        Method::Bdf,
        0.0,
        &[1.0],
        Options::adaptive(1e-6, 1e-6),
    )
    .unwrap();
    match bdf.advance_to(2.0) {
        Err(OdeError::StepSizeTooSmall { t, .. })
        | Err(OdeError::NonFiniteState { t, .. })
        | Err(OdeError::NewtonDivergence { t, .. }) => {
            assert!((t - 1.0).abs() < 1e-2, "bdf stopped at t = {t}")
        }
        other => panic!("expected a typed failure from bdf, got {other:?}"),
    }
    let mut fixed =
        Integrator::new(BlowUp, Method::Euler, 0.0, &[1.0], Options::fixed(0.25)).unwrap();
    assert!(matches!(
        fixed.advance_to(10.0),
        Err(OdeError::NonFiniteState { .. })
    ));

    let few = Options {
        max_steps: 10,
        ..Options::adaptive(1e-10, 1e-10)
    };
    let mut ode = Integrator::new(
        VanDerPol {
            mu: 1000.0,
            analytic_jacobian: true,
        },
        Method::Dopri5,
        0.0,
        &VanDerPol::Y0,
        few,
    )
    .unwrap();
    assert!(matches!(
        ode.advance_to(3000.0),
        Err(OdeError::MaxStepsExceeded { max_steps: 10, .. })
    ));

    let floor = Options {
        h_min: 1.0,
        ..Options::adaptive(1e-10, 1e-10)
    };
    let mut ode = Integrator::new(
        VanDerPol {
            mu: 1000.0,
            analytic_jacobian: true,
        },
        Method::Rodas4,
        0.0,
        &VanDerPol::Y0,
        floor,
    )
    .unwrap();
    let err = ode.advance_to(3000.0).unwrap_err();
    assert!(
        matches!(err, OdeError::StepSizeTooSmall { h_min: 1.0, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("at t ="), "{err}");

    // Invalid requests.
    assert!(
        Integrator::new(
            Driven { input: 0.0 },
            Method::Euler,
            0.0,
            &[0.0],
            Options::default()
        )
        .is_err()
    );
    assert!(
        Integrator::new(
            BlowUp,
            Method::ExponentialEuler,
            0.0,
            &[1.0],
            Options::fixed(0.1)
        )
        .is_err()
    );
    assert!(Integrator::new(BlowUp, Method::Dopri5, 0.0, &[1.0, 2.0], Options::default()).is_err());
    let mut ode = Integrator::new(BlowUp, Method::Dopri5, 0.0, &[0.1], Options::default()).unwrap();
    ode.advance_to(1.0).unwrap();
    assert!(matches!(
        ode.advance_to(0.5),
        Err(OdeError::InvalidInput { .. })
    ));
}

#[test]
fn same_inputs_give_bit_identical_results() {
    let run = || {
        let mut ode = Integrator::new(
            Hires {
                analytic_jacobian: false,
            },
            Method::Rodas4,
            0.0,
            &Hires::Y0,
            Options::adaptive(1e-7, 1e-11),
        )
        .unwrap();
        ode.advance_to(Hires::T_END).unwrap();
        (ode.state().to_vec(), ode.stats())
    };
    let (a, sa) = run();
    let (b, sb) = run();
    assert_eq!(sa, sb);
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
}

/// The accepted-step callback sees every accepted step once, with contiguous intervals, and a
/// system may change its right-hand side there (here: a slow variable updated by splitting).
#[test]
fn accepted_step_callback_sees_each_step_once() {
    struct Counted {
        intervals: Vec<(f64, f64)>,
        slow: f64,
    }
    impl OdeSystem for Counted {
        fn dim(&self) -> usize {
            1
        }
        fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
            dy[0] = -y[0] + self.slow;
        }
        fn on_step_accepted(&mut self, t0: f64, t1: f64, _y1: &[f64]) -> bool {
            self.intervals.push((t0, t1));
            self.slow += t1 - t0; // slow = t, advanced by forward Euler
            true
        }
    }
    for method in [Method::Euler, Method::Dopri5, Method::Rodas4] {
        let options = if method.is_fixed_step() {
            Options::fixed(0.01)
        } else {
            Options::adaptive(1e-8, 1e-10)
        };
        let sys = Counted {
            intervals: Vec::new(),
            slow: 0.0,
        };
        let mut ode = Integrator::new(sys, method, 0.0, &[0.0], options).unwrap();
        ode.advance_to(2.0).unwrap();
        let accepted = ode.stats().accepted_steps;
        let sys = ode.into_system();
        assert_eq!(sys.intervals.len(), accepted, "{method}");
        assert_eq!(sys.intervals[0].0, 0.0);
        assert_eq!(sys.intervals.last().unwrap().1, 2.0);
        assert!(
            sys.intervals.windows(2).all(|w| w[0].1 == w[1].0),
            "{method}: contiguous"
        );
        assert!((sys.slow - 2.0).abs() < 1e-12, "{method}");
    }
}

/// `K` independent stiff pairs `x_k' = −a x_k + z_k`, `z_k' = e x_k − c z_k`, stored all x then
/// all z, so pair k is the block `(k, K + k)`: full (not triangular), so the block LU's forward
/// substitution does work. `structured` declares the block-diagonal Jacobian (and
/// panics if a dense one is asked for); otherwise the integrator differentiates numerically.
struct Pairs {
    k: usize,
    structured: bool,
}

const PAIR_A: f64 = 1.0e4;
const PAIR_C: f64 = 0.5;
const PAIR_E: f64 = 2000.0;

impl OdeSystem for Pairs {
    fn dim(&self) -> usize {
        2 * self.k
    }
    fn rhs(&mut self, _t: f64, y: &[f64], dy: &mut [f64]) {
        let k = self.k;
        for i in 0..k {
            dy[i] = -PAIR_A * y[i] + y[k + i];
            dy[k + i] = PAIR_E * y[i] - PAIR_C * y[k + i];
        }
    }
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut nalgebra::DMatrix<f64>) -> bool {
        assert!(
            !self.structured,
            "dense Jacobian asked of a structured system"
        );
        false
    }
    fn jacobian_structure(&self) -> prospect_ode::JacobianStructure {
        if !self.structured {
            return prospect_ode::JacobianStructure::Dense;
        }
        let index = (0..self.k).flat_map(|i| [i, self.k + i]).collect();
        prospect_ode::JacobianStructure::BlockDiagonal { size: 2, index }
    }
    fn jacobian_blocks(&mut self, _t: f64, _y: &[f64], blocks: &mut [f64]) {
        // Column-major [[−a, 1], [e, −c]].
        for b in blocks.chunks_exact_mut(4) {
            b.copy_from_slice(&[-PAIR_A, PAIR_E, 1.0, -PAIR_C]);
        }
    }
    fn is_autonomous(&self) -> bool {
        true
    }
}

#[test]
fn block_diagonal_jacobians_are_solved_without_a_dense_matrix() {
    let k = 5;
    let y0: Vec<f64> = (0..2 * k).map(|i| 1.0 + i as f64).collect();
    let t_end = 2.0;
    // e^{At} = (e^{λ1 t}(A − λ2 I) − e^{λ2 t}(A − λ1 I)) / (λ1 − λ2) for A = [[−a, 1], [e, −c]]
    // with distinct real eigenvalues λ1,2 = tr/2 ± √(tr²/4 − det) (Sylvester's formula).
    let (tr, det) = (-PAIR_A - PAIR_C, PAIR_A * PAIR_C - PAIR_E);
    let root = (tr * tr / 4.0 - det).sqrt();
    let (l1, l2) = (tr / 2.0 + root, tr / 2.0 - root);
    let (e1, e2) = ((l1 * t_end).exp(), (l2 * t_end).exp());
    let a_mat = [[-PAIR_A, 1.0], [PAIR_E, -PAIR_C]];
    let expm = |p: usize, q: usize| {
        let id = if p == q { 1.0 } else { 0.0 };
        (e1 * (a_mat[p][q] - l2 * id) - e2 * (a_mat[p][q] - l1 * id)) / (l1 - l2)
    };
    let exact: Vec<f64> = (0..2 * k)
        .map(|i| {
            let (p, j) = (i / k, i % k);
            expm(p, 0) * y0[j] + expm(p, 1) * y0[k + j]
        })
        .collect();
    for method in STIFF {
        let mut steps = [0usize; 2];
        for structured in [false, true] {
            let options = Options::adaptive(1e-8, 1e-10);
            let mut ode =
                Integrator::new(Pairs { k, structured }, method, 0.0, &y0, options).unwrap();
            ode.advance_to(t_end).unwrap();
            let stats = ode.stats();
            // Global error of a tolerance-proportional method at rtol 1e-8 on a decaying
            // problem: well below 1e-6 relative. A wrong block solve makes RODAS4 a W-method of
            // lower order whose estimate misses its error (a flipped sign in the forward
            // substitution gave 4e-6), or costs steps, below.
            let err = max_relative_error(ode.state(), &exact, 1e-12);
            assert!(
                err < 1e-6,
                "{method}, structured {structured}: error {err:e}"
            );
            if structured {
                assert_eq!(stats.dense_jacobians, 0, "{method}");
                assert!(stats.jacobian_evaluations > 0, "{method}");
            } else {
                assert!(stats.dense_jacobians > 0, "{method}");
            }
            steps[usize::from(structured)] = stats.steps();
        }
        // The exact block Jacobian is the finite-difference one up to O(√ε): the step sequences
        // differ by rounding only. A wrong Jacobian makes RODAS4 a W-method of lower order and
        // BDF's Newton iteration slow, both costing many more steps.
        assert!(
            steps[1] <= steps[0] + steps[0] / 10 + 2,
            "{method}: {} structured vs {} dense steps",
            steps[1],
            steps[0]
        );
    }
}

/// `y_i' = −λ_i (y_i − cos t)`, λ_i from 1 to 1e5: a diagonal Jacobian `−λ`.
struct Relaxing {
    diagonal: bool,
}

impl Relaxing {
    fn lambda(i: usize) -> f64 {
        10f64.powi(i as i32)
    }
}

impl OdeSystem for Relaxing {
    fn dim(&self) -> usize {
        6
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        for i in 0..6 {
            dy[i] = -Self::lambda(i) * (y[i] - t.cos());
        }
    }
    fn jacobian(&mut self, _t: f64, _y: &[f64], _jac: &mut nalgebra::DMatrix<f64>) -> bool {
        assert!(!self.diagonal, "dense Jacobian asked of a diagonal system");
        false
    }
    fn jacobian_structure(&self) -> prospect_ode::JacobianStructure {
        if self.diagonal {
            prospect_ode::JacobianStructure::Diagonal
        } else {
            prospect_ode::JacobianStructure::Dense
        }
    }
    fn jacobian_diagonal(&mut self, _t: f64, _y: &[f64], diag: &mut [f64]) {
        for (i, d) in diag.iter_mut().enumerate() {
            *d = -Self::lambda(i);
        }
    }
}

#[test]
fn diagonal_jacobians_match_the_dense_path() {
    // Exact: y = λ²/(λ²+1) cos t + λ/(λ²+1) sin t + (y0 − λ²/(λ²+1)) e^{−λt}, y0 = 0.
    let t_end: f64 = 3.0;
    let exact: Vec<f64> = (0..6)
        .map(|i| {
            let l = Relaxing::lambda(i);
            let d = l * l + 1.0;
            l * l / d * t_end.cos() + l / d * t_end.sin() - l * l / d * (-l * t_end).exp()
        })
        .collect();
    for method in STIFF {
        for diagonal in [false, true] {
            let options = Options::adaptive(1e-8, 1e-10);
            let mut ode =
                Integrator::new(Relaxing { diagonal }, method, 0.0, &[0.0; 6], options).unwrap();
            ode.advance_to(t_end).unwrap();
            // rtol 1e-8 against |y| ≈ 1: a global error above 1e-6 is not tolerance-proportional.
            let err = max_relative_error(ode.state(), &exact, 1e-3);
            assert!(err < 1e-6, "{method}, diagonal {diagonal}: error {err:e}");
            assert_eq!(ode.stats().dense_jacobians == 0, diagonal, "{method}");
        }
    }
}

/// `y' = −50 (y − cos t)` that asks for the step-start evaluation at every attempt and records
/// whether the next right-hand-side call after each request was exactly at `(t0, y0)`.
struct StartWatcher {
    pending: Option<(f64, f64)>,
    requests: usize,
    misses: Vec<(f64, f64, f64)>,
}

impl OdeSystem for StartWatcher {
    fn dim(&self) -> usize {
        1
    }
    fn rhs(&mut self, t: f64, y: &[f64], dy: &mut [f64]) {
        if let Some((t0, y0)) = self.pending.take()
            && (t != t0 || y[0] != y0)
        {
            self.misses.push((t0, t, y[0] - y0));
        }
        dy[0] = -50.0 * (y[0] - t.cos());
    }
    fn on_step_start(&mut self, t0: f64, y0: &[f64]) -> bool {
        self.requests += 1;
        self.pending = Some((t0, y0[0]));
        true
    }
}

#[test]
fn step_start_evaluation_is_made_again_after_a_rejected_attempt() {
    // The `on_step_start` contract: after it returns true, the next rhs call is at exactly
    // (t0, y0), also before the retry of a rejected attempt, where the integrator still holds
    // f(t0, y0) from the first attempt (systems such as the network apply their plasticity
    // update at that evaluation; a skipped one loses a step's learning).
    for method in [Method::Bs3, Method::Dopri5, Method::Rodas4, Method::Bdf] {
        // A first step of 0.5 against a relaxation rate of 50 at rtol 1e-8 must be rejected.
        let options = Options {
            h0: Some(0.5),
            ..Options::adaptive(1e-8, 1e-10)
        };
        let sys = StartWatcher {
            pending: None,
            requests: 0,
            misses: Vec::new(),
        };
        let mut ode = Integrator::new(sys, method, 0.0, &[0.0], options).unwrap();
        ode.advance_to(2.0).unwrap();
        let stats = ode.stats();
        let sys = ode.into_system();
        assert!(stats.rejected_steps > 0, "{method}: no rejection to test");
        // A request per attempt the integrator makes: more than the accepted steps means some
        // came after a rejection (the case under test). BDF rejects and retries inside its own
        // attempt (counted as rejections, no new request), so it only checks the misses below.
        assert!(
            (sys.requests > stats.accepted_steps || method == Method::Bdf)
                && sys.requests <= stats.accepted_steps + stats.rejected_steps,
            "{method}: {} requests, {} accepted, {} rejected",
            sys.requests,
            stats.accepted_steps,
            stats.rejected_steps
        );
        assert!(
            sys.misses.is_empty(),
            "{method}: next rhs call not at (t0, y0) after on_step_start, (t0, t, Δy): {:?}",
            &sys.misses[..sys.misses.len().min(5)]
        );
    }
}
