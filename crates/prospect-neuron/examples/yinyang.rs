//! The look-ahead ablation on Yin-Yang from Rust, without the command line:
//! `cargo run --release -p prospect-neuron --example yinyang -- [epochs] [lookahead] [T] [vanilla|exact] [seed]`
//! Prints one JSON line per epoch.

use prospect_neuron::{
    Activation, LoopTreatment, NetworkConfig, NullRecorder, Trainer, TrainingConfig, WeightInit,
};
use prospect_tasks::yin_yang;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let epochs: usize = args.get(1).map_or(20, |a| a.parse().unwrap());
    let lookahead: bool = args.get(2).map_or(true, |a| a.parse().unwrap());
    let t: f64 = args.get(3).map_or(1.0, |a| a.parse().unwrap());
    let treatment = match args.get(4).map(String::as_str) {
        Some("exact") => LoopTreatment::Exact,
        _ => LoopTreatment::Vanilla,
    };
    let seed: u64 = args.get(5).map_or(0, |a| a.parse().unwrap());
    let mut net = NetworkConfig::new(&[4, 120, 3]);
    net.activations = vec![Activation::HardSigmoid, Activation::Linear];
    net.lookahead = lookahead;
    net.loop_treatment = treatment;
    net.beta = 0.1;
    net.init = WeightInit::Normal {
        std: vec![2.0, 0.1],
    };
    let scale: f64 = std::env::var("ETA_SCALE").map_or(1.0, |v| v.parse().unwrap());
    let mut train = TrainingConfig::new(epochs, vec![scale * 0.5 / t, scale * 1.0 / t]);
    train.presentation_time = t;
    train.seed = seed;
    let split = yin_yang::split(5000, 1000, seed).unwrap();
    let mut trainer = Trainer::new(net, train, split).unwrap();
    trainer
        .run(&mut NullRecorder, &mut |m| {
            println!(
                "{{\"epoch\": {}, \"train_accuracy\": {:.4}, \"test_accuracy\": {:.4}, \"train_loss\": {:.4}, \"seconds\": {:.3}, \"steps\": {}}}",
                m.epoch,
                m.train_accuracy.unwrap_or(f64::NAN),
                m.test_accuracy.unwrap_or(f64::NAN),
                m.train_loss,
                m.seconds,
                m.steps
            )
        })
        .unwrap();
    eprintln!("{:?}", trainer.network().stats());
}
