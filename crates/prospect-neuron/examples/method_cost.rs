//! Cost of one training epoch of the Yin-Yang model (models/yinyang-lookahead.toml: 4-120-3,
//! τ = 10, T = 1, batch 20, 5000 patterns, vanilla loop treatment, η·T = [0.5, 1.0]) under each
//! integrator, with and without look-ahead. Stiff methods use the network's structured Jacobian
//! (diagonal with look-ahead, one 123 × 123 block per sample without); no dense one is formed.
//! Prints one JSON line per case: steps (accepted + rejected), f-evaluations, Jacobian
//! evaluations (dense ones apart), LU factorisations, wall seconds of the epoch (training only;
//! the test evaluation is not part of it) and the training accuracy read during the epoch.
//!
//! `cargo run --release -p prospect-neuron --example method_cost [-- rtol]` (default rtol 1e-6,
//! atol 1e-8, the trainer's defaults; fixed-step methods use dt = 0.1)

use prospect_neuron::{
    Activation, LoopTreatment, NetworkConfig, NullRecorder, Trainer, TrainingConfig, WeightInit,
};
use prospect_ode::Method;
use prospect_tasks::yin_yang;

fn main() {
    let rtol: f64 = std::env::args()
        .nth(1)
        .map_or(1e-6, |a| a.parse().expect("rtol"));
    for lookahead in [true, false] {
        for method in [
            Method::Euler,
            Method::ExponentialEuler,
            Method::Dopri5,
            Method::Rodas4,
            Method::Bdf,
        ] {
            let mut net = NetworkConfig::new(&[4, 120, 3]);
            net.activations = vec![Activation::HardSigmoid, Activation::Linear];
            net.lookahead = lookahead;
            net.loop_treatment = LoopTreatment::Vanilla;
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
            let split = yin_yang::split(5000, 1000, 0).expect("yin-yang");
            let mut trainer = Trainer::new(net, config, split).expect("valid configuration");
            let before = trainer.integrator().stats();
            let m = trainer.train_epoch(&mut NullRecorder).expect("epoch");
            let s = trainer.integrator().stats();
            println!(
                "{{\"lookahead\": {lookahead}, \"method\": \"{method}\", \"rtol\": {rtol:e}, \
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
