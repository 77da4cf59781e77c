//! Q-AGREL against its error-backprop baseline on an MNIST-format folder (default: Debian's
//! Fashion-MNIST), the algorithmic form (issue 11, a quick first look; the paper's protocol
//! with validation-based stopping is the `qagrel_protocol` example):
//! `cargo run --release -p prospect-reward --example qagrel_fashion -- EPOCHS SEED [DIR]
//! [PRECISION] [THREADS]`, PRECISION `f32` (default) or `f64`, THREADS 1 (default).
//! 784-300-100-10, ReLU, U[−0.05, 0.05], no biases, batches of 100, max-Boltzmann (ε 0.02, T 1),
//! reward 1 / 0, Q-AGREL α = 0.5 (symmetric feedback), backprop α = 0.05; pixels in [0, 1].
//! The network is `qagrel::build`'s (the fast kernels). Prints one JSON line per method and
//! epoch with the test accuracy.

use std::path::Path;
use std::time::Instant;

use prospect_reward::Policy;
use prospect_reward::qagrel::{BatchLearner, FeedbackMode, NetSpec, Precision, build};
use prospect_tasks::{Dataset, idx};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

/// The inputs of `ids`, one column each (`n_inputs × ids.len()`), into `x`.
fn batch(set: &Dataset, ids: &[usize], x: &mut Vec<f32>) {
    x.clear();
    for &id in ids {
        x.extend_from_slice(set.input(id));
    }
}

fn accuracy(net: &mut dyn BatchLearner, set: &Dataset) -> f64 {
    let top = net.sizes()[net.sizes().len() - 1];
    let mut correct = 0;
    let ids: Vec<usize> = (0..set.len()).collect();
    let (mut x, mut q) = (Vec::new(), Vec::new());
    for chunk in ids.chunks(1000) {
        batch(set, chunk, &mut x);
        q.resize(top * chunk.len(), 0.0);
        net.forward(&x, chunk.len(), &mut q);
        for (b, &id) in chunk.iter().enumerate() {
            let column = &q[b * top..(b + 1) * top];
            let best = (0..top)
                .max_by(|&i, &j| column[i].total_cmp(&column[j]))
                .unwrap();
            correct += usize::from(best == set.labels[id]);
        }
    }
    correct as f64 / set.len() as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let epochs: usize = args.get(1).map_or(3, |a| a.parse().expect("EPOCHS"));
    let seed: u64 = args.get(2).map_or(0, |a| a.parse().expect("SEED"));
    let dir = args.get(3).map_or(idx::FASHION_MNIST_DIR, String::as_str);
    let precision = match args.get(4).map_or("f32", String::as_str) {
        "f32" => Precision::F32,
        "f64" => Precision::F64,
        other => panic!("PRECISION {other}: f32 or f64"),
    };
    let threads: usize = args.get(5).map_or(1, |a| a.parse().expect("THREADS"));
    let split = idx::load_mnist_dir(Path::new(dir)).expect("an MNIST-format folder");
    let sizes = vec![split.train.n_inputs, 300, 100, 10];
    let policy = Policy::MaxBoltzmann {
        epsilon: 0.02,
        temperature: 1.0,
    };
    for (method, alpha) in [("qagrel", 0.5), ("backprop", 0.05)] {
        let spec = NetSpec {
            sizes: sizes.clone(),
            init: 0.05,
            biases: false,
            feedback: FeedbackMode::Symmetric,
            precision,
            threads,
        };
        let mut net = build(&spec, seed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5851_F42D_4C95_7F2D);
        let mut order: Vec<usize> = (0..split.train.len()).collect();
        let mut probs = vec![0.0; 10];
        let (mut x, mut q) = (Vec::new(), Vec::new());
        let (mut actions, mut rewards, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        for epoch in 1..=epochs {
            let start = Instant::now();
            order.shuffle(&mut rng);
            let mut reward = 0.0;
            for ids in order.chunks(100) {
                batch(&split.train, ids, &mut x);
                q.resize(10 * ids.len(), 0.0);
                net.forward(&x, ids.len(), &mut q);
                labels.clear();
                labels.extend(ids.iter().map(|&i| split.train.labels[i]));
                if method == "qagrel" {
                    actions.clear();
                    rewards.clear();
                    for (b, &label) in labels.iter().enumerate() {
                        let a = policy.select(&q[b * 10..(b + 1) * 10], &mut rng, &mut probs);
                        let r = if a == label { 1.0 } else { 0.0 };
                        reward += r;
                        actions.push(a);
                        rewards.push(r);
                    }
                    net.update_qagrel(&actions, &rewards, alpha);
                } else {
                    net.update_backprop(&labels, alpha);
                }
            }
            let seconds = start.elapsed().as_secs_f64();
            println!(
                "{{\"method\": \"{method}\", \"seed\": {seed}, \"epoch\": {epoch}, \"reward_rate\": {:.4}, \"test_accuracy\": {:.4}, \"seconds\": {seconds:.2}}}",
                reward / split.train.len() as f64,
                accuracy(net.as_mut(), &split.test),
            );
        }
    }
}
