//! The backward pass's matrices (issue 10: "the backward pass is hard-wired to Wᵀ"): with
//! random feedback the hidden errors are `φ'(ŭ) ⊙ B e` with the network's own `B`, not `Wᵀ e`;
//! a rule sees the same signals through its step view.

use std::sync::{Arc, Mutex};

use prospect_neuron::{
    Feedback, LoopTreatment, Network, NetworkConfig, NetworkError, Parameters, PlasticityRule,
    StepView, WeightInit,
};
use prospect_ode::{Integrator, Method, Options};

/// Hidden error, hidden slope, output error.
type Seen = (Vec<f64>, Vec<f64>, Vec<f64>);

/// Keeps the hidden layer's (error, slope) and the output error of the last step view.
struct Capture(Arc<Mutex<Option<Seen>>>);

impl PlasticityRule for Capture {
    fn name(&self) -> &'static str {
        "capture"
    }
    fn step(&mut self, v: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let (h, o) = (v.layer(0), v.layer(1));
        *self.0.lock().unwrap() = Some((h.error.to_vec(), h.slope.to_vec(), o.error.to_vec()));
        Ok(())
    }
}

/// Exact treatment (errors consistent within one evaluation): hidden e = φ' ⊙ (B e_out) to
/// rounding with the network's `B` (3 × 2 for a 2-3-2 net), and far from φ' ⊙ (Wᵀ e_out)
/// (B is drawn independently of W); the forward weights of a seed do not depend on the
/// feedback choice.
#[test]
fn random_feedback_carries_errors_through_b() {
    let mut cfg = NetworkConfig::new(&[2, 3, 2]);
    cfg.loop_treatment = LoopTreatment::Exact;
    cfg.beta = 0.5;
    cfg.init = WeightInit::Normal {
        std: vec![1.0, 1.0],
    };
    let symmetric = Network::new(cfg.clone(), 1, 4).unwrap();
    cfg.feedback = Feedback::Random;
    let mut net = Network::new(cfg, 1, 4).unwrap();
    assert_eq!(symmetric.weights(), net.weights());
    let b = net.feedback().unwrap()[0].clone();
    assert_eq!(b.shape(), (3, 2));
    let seen = Arc::new(Mutex::new(None));
    net.set_rule(Box::new(Capture(seen.clone())));
    net.set_input(&[0.7, -0.4]).unwrap();
    net.set_target(&[1.0, -1.0]).unwrap();
    let w2 = net.weights()[1].clone();
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &[0.0; 5], Options::fixed(0.1)).unwrap();
    ode.step_toward(0.1).unwrap();
    let (e_h, slope, e_o) = seen.lock().unwrap().clone().unwrap();
    let mut far = 0.0f64;
    for i in 0..3 {
        let via_b: f64 = (0..2).map(|j| b[(i, j)] * e_o[j]).sum::<f64>() * slope[i];
        let via_w: f64 = (0..2).map(|j| w2[(j, i)] * e_o[j]).sum::<f64>() * slope[i];
        assert!(
            (e_h[i] - via_b).abs() < 1e-9,
            "unit {i}: {} vs {via_b}",
            e_h[i]
        );
        far = far.max((e_h[i] - via_w).abs());
    }
    assert!(far > 1e-3, "hidden errors equal the symmetric ones: {far}");
}

/// Keeps (hidden error, hidden slope, output error) of every step view.
struct CaptureAll(Arc<Mutex<Vec<Seen>>>);

impl PlasticityRule for CaptureAll {
    fn name(&self) -> &'static str {
        "capture-all"
    }
    fn step(&mut self, v: &StepView<'_>, _p: &mut Parameters<'_>) -> Result<(), NetworkError> {
        let (h, o) = (v.layer(0), v.layer(1));
        self.0
            .lock()
            .unwrap()
            .push((h.error.to_vec(), h.slope.to_vec(), o.error.to_vec()));
        Ok(())
    }
}

/// The vanilla loop treatment (the command line's default and that of every reward model)
/// carries errors through `B` too: its hidden error lags one step, so at each step after the
/// first `e_h = φ'_prev ⊙ (B e_out,prev)` with the previous step's slope and output error, to
/// rounding; with `Wᵀ` in its place (a backward pass that ignores the feedback matrices) the
/// hidden errors differ from that by far more than rounding (B is drawn independently of W).
#[test]
fn random_feedback_carries_errors_through_b_in_the_vanilla_loop() {
    let mut cfg = NetworkConfig::new(&[2, 3, 2]);
    cfg.loop_treatment = LoopTreatment::Vanilla;
    cfg.beta = 0.5;
    cfg.init = WeightInit::Normal {
        std: vec![1.0, 1.0],
    };
    cfg.feedback = Feedback::Random;
    let mut net = Network::new(cfg, 1, 4).unwrap();
    let b = net.feedback().unwrap()[0].clone();
    let w2 = net.weights()[1].clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    net.set_rule(Box::new(CaptureAll(seen.clone())));
    net.set_input(&[0.7, -0.4]).unwrap();
    net.set_target(&[1.0, -1.0]).unwrap();
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &[0.0; 5], Options::fixed(0.1)).unwrap();
    for k in 1..=5 {
        ode.step_toward(0.1 * k as f64).unwrap();
    }
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{} step views", seen.len());
    let mut far = 0.0f64;
    for pair in seen.windows(2) {
        let ((_, slope, e_o), (e_h, _, _)) = (&pair[0], &pair[1]);
        for i in 0..3 {
            let via_b: f64 = (0..2).map(|j| b[(i, j)] * e_o[j]).sum::<f64>() * slope[i];
            let via_w: f64 = (0..2).map(|j| w2[(j, i)] * e_o[j]).sum::<f64>() * slope[i];
            assert!(
                (e_h[i] - via_b).abs() < 1e-9,
                "unit {i}: {} vs {via_b}",
                e_h[i]
            );
            far = far.max((e_h[i] - via_w).abs());
        }
    }
    assert!(far > 1e-3, "hidden errors equal the symmetric ones: {far}");
}
