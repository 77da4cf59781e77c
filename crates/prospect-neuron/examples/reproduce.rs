//! Reproduction runs of issue 3 (docs/reproduction.md), printing one JSON line per epoch.
//!
//! ```text
//! cargo run --release -p prospect-neuron --example reproduce -- yinyang [EPOCHS] [SEED]
//! cargo run --release -p prospect-neuron --example reproduce -- slow [EPOCHS] [SEED]
//! cargo run --release -p prospect-neuron --example reproduce -- loops [EPOCHS] [SEED]
//! cargo run --release -p prospect-neuron --example reproduce -- fashion [EPOCHS] [SEED]
//! ```
//! - `yinyang`: look-ahead vs none at T = τ/10 (4-120-3, τ = 10, Euler dt = 0.1, batch 20);
//! - `slow`: no look-ahead at T = 20τ (learning rates per presentation kept, η = η·T / T);
//! - `loops`: the vanilla and exact loop treatments side by side;
//! - `fashion`: Fashion-MNIST 784-300-100-10 with look-ahead vs the backprop baseline.

use prospect_neuron::backprop::{Backprop, run};
use prospect_neuron::{
    Activation, EpochMetrics, LoopTreatment, Network, NetworkConfig, NullRecorder, Trainer,
    TrainingConfig, WeightInit,
};
use prospect_tasks::{Split, idx, yin_yang};
use std::path::Path;

fn print(run: &str, m: &EpochMetrics) {
    let opt = |v: Option<f64>| v.map_or("null".to_string(), |x| format!("{x:.4}"));
    println!(
        "{{\"run\": \"{run}\", \"epoch\": {}, \"train_accuracy\": {}, \"test_accuracy\": {}, \
         \"train_loss\": {:.5}, \"test_loss\": {}, \"seconds\": {:.3}, \"steps\": {}}}",
        m.epoch,
        opt(m.train_accuracy),
        opt(m.test_accuracy),
        m.train_loss,
        opt(m.test_loss),
        m.seconds,
        m.steps
    );
}

fn yin_yang_network(lookahead: bool, treatment: LoopTreatment) -> NetworkConfig {
    let mut net = NetworkConfig::new(&[4, 120, 3]);
    net.activations = vec![Activation::HardSigmoid, Activation::Linear];
    net.lookahead = lookahead;
    net.loop_treatment = treatment;
    net.beta = 0.1;
    net.init = WeightInit::Normal {
        std: vec![2.0, 0.1],
    };
    net
}

fn train(run: &str, net: NetworkConfig, config: TrainingConfig, split: Split) {
    let mut trainer = Trainer::new(net, config, split).expect("valid configuration");
    trainer
        .run(&mut NullRecorder, &mut |m| print(run, m))
        .expect("training");
    let stats = trainer.network().stats();
    eprintln!("{run}: {stats:?}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("yinyang", String::as_str);
    let epochs: Option<usize> = args.get(2).map(|a| a.parse().expect("EPOCHS"));
    let seed: u64 = args.get(3).map_or(0, |a| a.parse().expect("SEED"));
    let yy = || yin_yang::split(5000, 1000, seed).unwrap();
    let yy_training = |epochs, t: f64| {
        let mut c = TrainingConfig::new(epochs, vec![0.5 / t, 1.0 / t]);
        c.presentation_time = t;
        c.seed = seed;
        c
    };
    match what {
        "yinyang" => {
            let e = epochs.unwrap_or(200);
            train(
                "lookahead",
                yin_yang_network(true, LoopTreatment::Vanilla),
                yy_training(e, 1.0),
                yy(),
            );
            train(
                "no-lookahead",
                yin_yang_network(false, LoopTreatment::Vanilla),
                yy_training(e, 1.0),
                yy(),
            );
        }
        "slow" => {
            let e = epochs.unwrap_or(20);
            train(
                "no-lookahead-T200",
                yin_yang_network(false, LoopTreatment::Vanilla),
                yy_training(e, 200.0),
                yy(),
            );
        }
        "loops" => {
            let e = epochs.unwrap_or(20);
            train(
                "vanilla",
                yin_yang_network(true, LoopTreatment::Vanilla),
                yy_training(e, 1.0),
                yy(),
            );
            train(
                "exact",
                yin_yang_network(true, LoopTreatment::Exact),
                yy_training(e, 1.0),
                yy(),
            );
        }
        "timing" => {
            // Issue 8, item 6: the delayed schemes after the plasticity-timing fix.
            let e = epochs.unwrap_or(200);
            for (name, treatment) in [
                ("vanilla", LoopTreatment::Vanilla),
                ("jacobi", LoopTreatment::Jacobi),
            ] {
                train(
                    &format!("{name}-seed{seed}"),
                    yin_yang_network(true, treatment),
                    yy_training(e, 1.0),
                    yy(),
                );
            }
        }
        "fashion" => {
            let e = epochs.unwrap_or(10);
            let split =
                idx::load_mnist_dir(Path::new(idx::FASHION_MNIST_DIR)).expect("Fashion-MNIST");
            let mut net = NetworkConfig::new(&[784, 300, 100, 10]);
            net.activations = vec![Activation::Tanh, Activation::Tanh, Activation::Linear];
            net.beta = 0.1;
            net.loop_treatment = LoopTreatment::Vanilla;
            // η T β / (1 + β) = 0.02 per batch, the baseline's SGD rate (0.05 diverges).
            let eta: f64 = std::env::var("ETA").map_or(0.22, |v| v.parse().expect("ETA"));
            let mut config = TrainingConfig::new(e, vec![eta; 3]);
            config.batch = 100;
            config.seed = seed;
            let lr = eta * config.presentation_time * net.beta / (1.0 + net.beta);
            let mut baseline =
                Backprop::from_network(&Network::new(net.clone(), 100, seed).unwrap(), vec![lr; 3]);
            for m in run::train(&mut baseline, &split, 100, e, seed) {
                print("backprop", &m);
            }
            train("lookahead", net, config, split);
        }
        other => panic!("unknown run {other}; expected yinyang, slow, loops or fashion"),
    }
}
