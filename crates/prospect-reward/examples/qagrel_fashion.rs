//! Q-AGREL against its error-backprop baseline on an MNIST-format folder (default: Debian's
//! Fashion-MNIST), the algorithmic form (issue 11, first look; the paper's full protocol with
//! validation-based stopping is still to come):
//! `cargo run --release -p prospect-reward --example qagrel_fashion -- EPOCHS SEED [DIR]`.
//! 784-300-100-10, ReLU, U[−0.05, 0.05], no biases, batches of 100, max-Boltzmann (ε 0.02, T 1),
//! reward 1 / 0, Q-AGREL α = 0.5 (symmetric feedback), backprop α = 0.05; pixels in [0, 1].
//! Prints one JSON line per method and epoch with the test accuracy.

use std::path::Path;
use std::time::Instant;

use nalgebra::DMatrix;
use prospect_reward::Policy;
use prospect_reward::qagrel::{FeedbackMode, QagrelNet, backprop_step};
use prospect_tasks::{Dataset, idx};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

fn batch(set: &Dataset, ids: &[usize]) -> DMatrix<f64> {
    DMatrix::from_fn(set.n_inputs, ids.len(), |i, b| {
        f64::from(set.input(ids[b])[i])
    })
}

fn accuracy(net: &QagrelNet, set: &Dataset) -> f64 {
    let mut correct = 0;
    let ids: Vec<usize> = (0..set.len()).collect();
    for chunk in ids.chunks(1000) {
        let h = net.forward(&batch(set, chunk));
        let q = h.last().unwrap();
        for (b, &id) in chunk.iter().enumerate() {
            let best = (0..q.nrows())
                .max_by(|&i, &j| q[(i, b)].total_cmp(&q[(j, b)]))
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
    let split = idx::load_mnist_dir(Path::new(dir)).expect("an MNIST-format folder");
    let sizes = [split.train.n_inputs, 300, 100, 10];
    let policy = Policy::MaxBoltzmann {
        epsilon: 0.02,
        temperature: 1.0,
    };
    for (method, alpha) in [("qagrel", 0.5), ("backprop", 0.05)] {
        let mut net = QagrelNet::new(&sizes, 0.05, false, FeedbackMode::Symmetric, seed);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5851_F42D_4C95_7F2D);
        let mut order: Vec<usize> = (0..split.train.len()).collect();
        let mut probs = vec![0.0; 10];
        for epoch in 1..=epochs {
            let start = Instant::now();
            order.shuffle(&mut rng);
            let mut reward = 0.0;
            for ids in order.chunks(100) {
                let x = batch(&split.train, ids);
                let h = net.forward(&x);
                let labels: Vec<usize> = ids.iter().map(|&i| split.train.labels[i]).collect();
                if method == "qagrel" {
                    let q = h.last().unwrap();
                    let mut actions = Vec::with_capacity(ids.len());
                    let mut rewards = Vec::with_capacity(ids.len());
                    for (b, &label) in labels.iter().enumerate() {
                        let values: Vec<f64> = q.column(b).iter().copied().collect();
                        let a = policy.select(&values, &mut rng, &mut probs);
                        let r = if a == label { 1.0 } else { 0.0 };
                        reward += r;
                        actions.push(a);
                        rewards.push(r);
                    }
                    net.update(&h, &actions, &rewards, alpha);
                } else {
                    backprop_step(&mut net, &h, &labels, alpha);
                }
            }
            println!(
                "{{\"method\": \"{method}\", \"seed\": {seed}, \"epoch\": {epoch}, \"reward_rate\": {:.4}, \"test_accuracy\": {:.4}, \"seconds\": {:.1}}}",
                reward / split.train.len() as f64,
                accuracy(&net, &split.test),
                start.elapsed().as_secs_f64()
            );
        }
    }
}
