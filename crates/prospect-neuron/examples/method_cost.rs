//! Cost of one training epoch of the Yin-Yang model (models/yinyang-lookahead.toml: 4-120-3,
//! τ = 10, T = 1, batch 20, 5000 patterns, vanilla loop treatment, η·T = [0.5, 1.0]) under each
//! integrator, with and without look-ahead. Stiff methods use the network's structured Jacobian
//! (diagonal with look-ahead, one 123 × 123 block per sample without); no dense one is formed.
//! Prints one JSON line per case: steps (accepted + rejected), f-evaluations, Jacobian
//! evaluations (dense ones apart), LU factorisations, wall seconds of the epoch (training only;
//! the test evaluation is not part of it) and the training accuracy read during the epoch.
//!
//! `cargo run --release -p prospect-neuron --example method_cost [-- RTOL [N_TRAIN [METHODS [LOOKAHEAD [LOOP]]]]]`
//! (default rtol 1e-6 with atol = rtol/100, the trainer's defaults; N_TRAIN 5000; METHODS a
//! comma-separated list of model-file names, default all five; LOOKAHEAD `true`, `false` or
//! `both` (default); LOOP the loop treatment, `vanilla` (default, the model's), `jacobi`, `exact`; fixed-step methods use dt = 0.1)

use prospect_neuron::{
    Activation, LoopTreatment, NetworkConfig, NullRecorder, Trainer, TrainingConfig, WeightInit,
};
use prospect_ode::Method;
use prospect_tasks::yin_yang;

fn main() {
    let rtol: f64 = std::env::args()
        .nth(1)
        .map_or(1e-6, |a| a.parse().expect("rtol"));
    let n_train: usize = std::env::args()
        .nth(2)
        .map_or(5000, |a| a.parse().expect("N_TRAIN"));
    let methods: Vec<Method> = std::env::args().nth(3).map_or_else(
        || {
            vec![
                Method::Euler,
                Method::ExponentialEuler,
                Method::Dopri5,
                Method::Rodas4,
                Method::Bdf,
            ]
        },
        |a| a.split(',').map(|m| m.parse().expect("method")).collect(),
    );
    let lookaheads: Vec<bool> = match std::env::args().nth(4).as_deref() {
        Some("true") => vec![true],
        Some("false") => vec![false],
        _ => vec![true, false],
    };
    let treatment = match std::env::args().nth(5).as_deref() {
        Some("exact") => LoopTreatment::Exact,
        Some("jacobi") => LoopTreatment::Jacobi,
        _ => LoopTreatment::Vanilla,
    };
    for lookahead in lookaheads {
        for &method in &methods {
            let mut net = NetworkConfig::new(&[4, 120, 3]);
            net.activations = vec![Activation::HardSigmoid, Activation::Linear];
            net.lookahead = lookahead;
            net.loop_treatment = treatment;
            net.beta = 0.1;
            net.tau = vec![10.0, 10.0];
            net.init = WeightInit::Normal {
                std: vec![2.0, 0.1],
            };
            let mut config = TrainingConfig::new(2, vec![0.5, 1.0]);
            config.method = method;
            config.rtol = rtol;
            config.atol = rtol * 1e-2;
            // Epoch 1 is not due for evaluation: the counts are the training epoch's alone.
            config.evaluate_every = 2;
            let split = yin_yang::split(n_train, 1000, 0).expect("yin-yang");
            let mut trainer = Trainer::new(net, config, split).expect("valid configuration");
            let before = trainer.integrator().stats();
            let m = match trainer.train_epoch(&mut NullRecorder) {
                Ok(m) => m,
                Err(e) => {
                    let s = trainer.integrator().stats();
                    println!(
                        "{{\"lookahead\": {lookahead}, \"method\": \"{method}\", \"rtol\": {rtol:e}, \
                         \"n_train\": {n_train}, \"steps\": {}, \"error\": \"{e}\"}}",
                        s.steps() - before.steps()
                    );
                    continue;
                }
            };
            let s = trainer.integrator().stats();
            println!(
                "{{\"lookahead\": {lookahead}, \"method\": \"{method}\", \"rtol\": {rtol:e}, \"n_train\": {n_train}, \
                 \"steps\": {}, \"rejected\": {}, \"rhs_evaluations\": {}, \
                 \"jacobian_evaluations\": {}, \"dense_jacobians\": {}, \"lu_factorisations\": {}, \
                 \"seconds\": {:.3}, \"train_accuracy\": {:.4}}}",
                s.steps() - before.steps(),
                s.rejected_steps - before.rejected_steps,
                s.rhs_evaluations - before.rhs_evaluations,
                s.jacobian_evaluations - before.jacobian_evaluations,
                s.dense_jacobians - before.dense_jacobians,
                s.lu_factorisations - before.lu_factorisations,
                m.seconds,
                m.train_accuracy.unwrap_or(f64::NAN),
            );
        }
    }
}
