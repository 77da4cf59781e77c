//! Speed benchmark: wall time per simulated Euler step (dt = 0.1, T = 1, nudging and plasticity
//! on) for 4-120-3 at batch 20 and 784-300-100-10 at batch 100, each loop treatment.
//! Prints one JSON line per case: `{"network", "batch", "treatment", "steps", "seconds_per_step"}`.
//! The NumPy peer is `benches/numpy_step_speed.py`.
//!
//! `cargo run --release -p prospect-neuron --example step_speed [--quick] [--small|--large] [--vanilla]`

use prospect_neuron::{
    Activation, LocalErrorRule, LoopTreatment, Network, NetworkConfig, WeightInit,
};
use prospect_ode::{Integrator, Method, OdeSystem, Options};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use std::time::Instant;

fn run(sizes: &[usize], batch: usize, treatment: Option<LoopTreatment>, min_seconds: f64) {
    let mut cfg = NetworkConfig::new(sizes);
    let l = sizes.len() - 1;
    cfg.activations = vec![Activation::HardSigmoid; l];
    cfg.activations[l - 1] = Activation::Linear;
    cfg.lookahead = treatment.is_some();
    cfg.loop_treatment = treatment.unwrap_or(LoopTreatment::Vanilla);
    cfg.init = WeightInit::Normal { std: vec![0.1; l] };
    let mut net = Network::new(cfg, batch, 1).unwrap();
    net.set_rule(Box::new(LocalErrorRule::new(vec![0.01; l])));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let patterns: Vec<(Vec<f64>, Vec<f64>)> = (0..8)
        .map(|_| {
            let x = (0..sizes[0] * batch).map(|_| rng.random::<f64>()).collect();
            let y = (0..sizes[l] * batch).map(|_| rng.random::<f64>()).collect();
            (x, y)
        })
        .collect();
    let y0 = vec![0.0; net.dim()];
    let mut ode = Integrator::new(net, Method::Euler, 0.0, &y0, Options::fixed(0.1)).unwrap();
    let mut steps = 0usize;
    let start = Instant::now();
    let mut p = 0;
    while start.elapsed().as_secs_f64() < min_seconds || steps < 100 {
        let (x, y) = &patterns[p % patterns.len()];
        let net = ode.system_mut();
        net.set_input(x).unwrap();
        net.set_target(y).unwrap();
        let t = ode.t();
        ode.advance_to(t + 1.0).unwrap();
        steps += 10;
        p += 1;
    }
    let per_step = start.elapsed().as_secs_f64() / steps as f64;
    let name: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    let treatment = match treatment {
        Some(LoopTreatment::Vanilla) => "vanilla",
        Some(LoopTreatment::Exact) => "exact",
        Some(LoopTreatment::Jacobi) => "jacobi",
        None => "no-lookahead",
    };
    println!(
        "{{\"network\": \"{}\", \"batch\": {batch}, \"treatment\": \"{treatment}\", \"steps\": {steps}, \"seconds_per_step\": {per_step:.3e}}}",
        name.join("-")
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let min_seconds = if quick { 0.2 } else { 2.0 };
    let has = |flag: &str| std::env::args().any(|a| a == flag);
    let treatments = if has("--vanilla") {
        vec![Some(LoopTreatment::Vanilla)]
    } else {
        vec![
            Some(LoopTreatment::Vanilla),
            Some(LoopTreatment::Exact),
            None,
        ]
    };
    for treatment in treatments {
        if !has("--large") {
            run(&[4, 120, 3], 20, treatment, min_seconds);
        }
        if !has("--small") {
            run(&[784, 300, 100, 10], 100, treatment, min_seconds);
        }
    }
}
