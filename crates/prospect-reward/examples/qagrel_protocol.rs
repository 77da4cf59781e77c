//! The paper's protocol (seed 002; `qagrel::protocol`) for one run, printing one JSON line per
//! epoch and a last line with the outcome — the tool behind the long runs of
//! docs/reproduction.md §9 (the command line runs the same protocol from model files):
//! `cargo run --release -p prospect-reward --example qagrel_protocol -- METHOD FEEDBACK ALPHA
//! EPOCHS SEED [PRECISION THREADS DIR]`, METHOD `qagrel` or `backprop`, FEEDBACK `symmetric`,
//! `learned` or `fixed`, PRECISION `f32` (default) or `f64`, THREADS 1 (default), DIR an
//! MNIST-format folder (default: Debian's Fashion-MNIST). 784-300-100-10, U[−0.05, 0.05], no
//! biases, max-Boltzmann ε 0.02 (the authors' code), T 1, reward 1 / 0, [0, 1] pixels, 1000 validation images
//! validated every 5 epochs, stop on 5 agreeing validations, lr / 10 after epoch 500.

use std::path::Path;

use prospect_neuron::NullRecorder;
use prospect_reward::Policy;
use prospect_reward::qagrel::protocol::{Method, Protocol, ProtocolConfig};
use prospect_reward::qagrel::{FeedbackMode, NetSpec, Precision, build};
use prospect_tasks::idx;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let method = match arg(1, "qagrel").as_str() {
        "qagrel" => Method::Qagrel {
            policy: Policy::MaxBoltzmann {
                epsilon: 0.02,
                temperature: 1.0,
            },
            reward_correct: 1.0,
            reward_wrong: 0.0,
        },
        "backprop" => Method::Backprop,
        other => panic!("METHOD {other}: qagrel or backprop"),
    };
    let feedback = match arg(2, "symmetric").as_str() {
        "symmetric" => FeedbackMode::Symmetric,
        "learned" => FeedbackMode::Learned,
        "fixed" => FeedbackMode::Fixed,
        other => panic!("FEEDBACK {other}: symmetric, learned or fixed"),
    };
    let alpha: f64 = arg(3, "0.5").parse().expect("ALPHA");
    let epochs: usize = arg(4, "1000").parse().expect("EPOCHS");
    let seed: u64 = arg(5, "0").parse().expect("SEED");
    let precision = match arg(6, "f32").as_str() {
        "f32" => Precision::F32,
        "f64" => Precision::F64,
        other => panic!("PRECISION {other}: f32 or f64"),
    };
    let threads: usize = arg(7, "1").parse().expect("THREADS");
    let dir = arg(8, idx::FASHION_MNIST_DIR);
    let split = idx::load_mnist_dir(Path::new(&dir)).expect("an MNIST-format folder");
    let spec = NetSpec {
        sizes: vec![split.train.n_inputs, 300, 100, split.train.n_outputs],
        init: 0.05,
        biases: false,
        feedback,
        precision,
        threads,
    };
    let mut config = ProtocolConfig::paper(method, alpha);
    config.epochs = epochs;
    config.seed = seed;
    let name = format!("{}-{}", arg(1, "qagrel"), arg(2, "symmetric"));
    let mut protocol = Protocol::new(build(&spec, seed), split, config).expect("a valid run");
    let outcome = protocol
        .run(&mut NullRecorder, &mut |m| {
            let opt = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{v:.4}"));
            println!(
                "{{\"run\": \"{name}\", \"alpha\": {alpha}, \"seed\": {seed}, \"epoch\": {}, \"learning_rate\": {}, \"mean_reward\": {}, \"train_accuracy\": {:.4}, \"validation_accuracy\": {}, \"test_accuracy\": {}, \"seconds\": {:.2}}}",
                m.epoch,
                m.learning_rate,
                opt(m.mean_reward),
                m.train_accuracy,
                opt(m.validation_accuracy),
                opt(m.test_accuracy),
                m.seconds
            );
        })
        .expect("the run");
    let last = outcome.epochs.last().expect("an epoch");
    println!(
        "{{\"run\": \"{name}\", \"alpha\": {alpha}, \"seed\": {seed}, \"final\": true, \"epochs\": {}, \"stop_epoch\": {}, \"test_accuracy\": {:.4}}}",
        last.epoch,
        outcome
            .stop_epoch
            .map_or("null".to_string(), |e| e.to_string()),
        last.test_accuracy.unwrap_or(f64::NAN)
    );
}
