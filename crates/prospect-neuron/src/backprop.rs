//! Plain error backpropagation with SGD on the same network definition: the baseline the
//! continuous-time local learning is compared with. Written independently of the network's
//! dynamics (nalgebra matrix expressions, no shared kernels).

use nalgebra::{DMatrix, DVector};

use crate::{Activation, Network, TargetKind};

/// A feed-forward copy of a network's parameters trained by SGD on `½‖y − out‖²`, averaged over
/// the batch, where `out` is the output voltage (voltage targets) or rate (rate targets).
#[derive(Debug, Clone)]
pub struct Backprop {
    /// Activations of the non-input layers.
    pub activations: Vec<Activation>,
    /// Target kind (which output the loss reads).
    pub target: TargetKind,
    /// Weights `W_k`, `n_{k+1} × n_k`.
    pub weights: Vec<DMatrix<f64>>,
    /// Biases.
    pub biases: Vec<DVector<f64>>,
    /// Learning rate per projection (per batch step).
    pub learning_rates: Vec<f64>,
}

/// Pre-activations and rates of one forward pass, one matrix per layer (`n × B`).
pub struct ForwardPass {
    /// `a_l = W_l r_{l−1} + b_l`.
    pub drives: Vec<DMatrix<f64>>,
    /// `r_0 = x`, `r_l = φ(a_l)`.
    pub rates: Vec<DMatrix<f64>>,
}

impl Backprop {
    /// A baseline starting from `network`'s current parameters.
    pub fn from_network(network: &Network, learning_rates: Vec<f64>) -> Self {
        Backprop {
            activations: network.config().activations.clone(),
            target: network.config().target,
            weights: network.weights().to_vec(),
            biases: network.biases().to_vec(),
            learning_rates,
        }
    }

    /// Forward pass of a batch `x` (`n_0 × B`).
    pub fn forward(&self, x: &DMatrix<f64>) -> ForwardPass {
        let mut rates = vec![x.clone()];
        let mut drives = Vec::new();
        for (k, (w, b)) in self.weights.iter().zip(&self.biases).enumerate() {
            let mut a = w * rates.last().unwrap();
            for mut col in a.column_iter_mut() {
                col += b;
            }
            let r = a.map(|v| self.activations[k].value(v));
            drives.push(a);
            rates.push(r);
        }
        ForwardPass { drives, rates }
    }

    /// The output the loss reads: voltages `a_L` (voltage targets) or rates `φ(a_L)`.
    pub fn output(&self, pass: &ForwardPass) -> DMatrix<f64> {
        match self.target {
            TargetKind::Voltage => pass.drives.last().unwrap().clone(),
            TargetKind::Rate => pass.rates.last().unwrap().clone(),
        }
    }

    /// Mean loss and the gradients `∂L/∂W_k`, `∂L/∂b_k` of the batch mean of `½‖y − out‖²`.
    pub fn gradients(
        &self,
        x: &DMatrix<f64>,
        y: &DMatrix<f64>,
    ) -> (f64, Vec<DMatrix<f64>>, Vec<DVector<f64>>) {
        let batch = x.ncols() as f64;
        let pass = self.forward(x);
        let out = self.output(&pass);
        let diff = &out - y;
        let loss = 0.5 * diff.norm_squared() / batch;
        let l = self.weights.len();
        // δ_L = ∂(½‖out − y‖²)/∂a_L.
        let mut delta = match self.target {
            TargetKind::Voltage => diff,
            TargetKind::Rate => {
                let slope = pass.drives[l - 1].map(|v| self.activations[l - 1].derivative(v));
                diff.component_mul(&slope)
            }
        };
        let mut grad_w = vec![DMatrix::zeros(0, 0); l];
        let mut grad_b = vec![DVector::zeros(0); l];
        for k in (0..l).rev() {
            grad_w[k] = &delta * pass.rates[k].transpose() / batch;
            grad_b[k] = delta.column_sum() / batch;
            if k > 0 {
                let slope = pass.drives[k - 1].map(|v| self.activations[k - 1].derivative(v));
                delta = (self.weights[k].transpose() * &delta).component_mul(&slope);
            }
        }
        (loss, grad_w, grad_b)
    }

    /// One SGD step on a batch; returns the loss before the step.
    pub fn train_batch(&mut self, x: &DMatrix<f64>, y: &DMatrix<f64>) -> f64 {
        let (loss, gw, gb) = self.gradients(x, y);
        for k in 0..self.weights.len() {
            self.weights[k] -= &gw[k] * self.learning_rates[k];
            self.biases[k] -= &gb[k] * self.learning_rates[k];
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetworkConfig;

    /// The analytic gradient matches central differences of the loss.
    #[test]
    fn gradients_match_finite_differences() {
        for target in [TargetKind::Voltage, TargetKind::Rate] {
            let mut cfg = NetworkConfig::new(&[3, 4, 2]);
            cfg.activations = vec![Activation::Tanh, Activation::Logistic];
            cfg.target = target;
            let net = Network::new(cfg, 1, 3).unwrap();
            let mut bp = Backprop::from_network(&net, vec![0.1, 0.1]);
            let x = DMatrix::from_column_slice(3, 2, &[0.3, -0.2, 0.9, 0.1, 0.5, -0.7]);
            let y = DMatrix::from_column_slice(2, 2, &[0.2, 0.8, 0.6, 0.1]);
            let (_, gw, _) = bp.gradients(&x, &y);
            for k in 0..2 {
                let (i, j) = (1, 0);
                let h = 1e-6;
                bp.weights[k][(i, j)] += h;
                let lp = bp.gradients(&x, &y).0;
                bp.weights[k][(i, j)] -= 2.0 * h;
                let lm = bp.gradients(&x, &y).0;
                bp.weights[k][(i, j)] += h;
                let numeric = (lp - lm) / (2.0 * h);
                assert!(
                    (gw[k][(i, j)] - numeric).abs() < 1e-7,
                    "{target:?} layer {k}"
                );
            }
        }
    }
}

/// Epochs of SGD on a data set, with the trainer's batching and shuffling conventions.
pub mod run {
    use super::Backprop;
    use crate::EpochMetrics;
    use nalgebra::DMatrix;
    use prospect_tasks::{Dataset, Split};
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::seq::SliceRandom;
    use std::time::Instant;

    fn batch_matrices(set: &Dataset, ids: &[usize]) -> (DMatrix<f64>, DMatrix<f64>) {
        let x = DMatrix::from_fn(set.n_inputs, ids.len(), |i, j| {
            f64::from(set.input(ids[j])[i])
        });
        let y = DMatrix::from_fn(set.n_outputs, ids.len(), |i, j| {
            f64::from(set.target(ids[j])[i])
        });
        (x, y)
    }

    /// Accuracy (classification sets) and mean loss of the current parameters on `set`.
    pub fn evaluate(bp: &Backprop, set: &Dataset) -> (Option<f64>, f64) {
        let ids: Vec<usize> = (0..set.len()).collect();
        let (mut correct, mut loss) = (0usize, 0.0);
        for chunk in ids.chunks(1000) {
            let (x, y) = batch_matrices(set, chunk);
            let out = bp.output(&bp.forward(&x));
            loss += 0.5 * (&out - &y).norm_squared();
            if set.is_classification() {
                for (j, &id) in chunk.iter().enumerate() {
                    let col = out.column(j);
                    let best = (0..col.len())
                        .max_by(|&a, &b| col[a].total_cmp(&col[b]))
                        .unwrap();
                    correct += usize::from(best == set.labels[id]);
                }
            }
        }
        let n = set.len().max(1) as f64;
        (
            set.is_classification().then(|| correct as f64 / n),
            loss / n,
        )
    }

    /// Trains `bp` for `epochs` epochs of mini-batches of `batch` samples, shuffled with `seed`;
    /// metrics after each epoch (train metrics on the whole training set, after the epoch).
    pub fn train(
        bp: &mut Backprop,
        split: &Split,
        batch: usize,
        epochs: usize,
        seed: u64,
    ) -> Vec<EpochMetrics> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5851_F42D_4C95_7F2D);
        let mut order: Vec<usize> = (0..split.train.len()).collect();
        let mut out = Vec::with_capacity(epochs);
        for epoch in 1..=epochs {
            let start = Instant::now();
            order.shuffle(&mut rng);
            for chunk in order.chunks(batch) {
                let (x, y) = batch_matrices(&split.train, chunk);
                bp.train_batch(&x, &y);
            }
            let (train_accuracy, train_loss) = evaluate(bp, &split.train);
            let (test_accuracy, test_loss) = evaluate(bp, &split.test);
            out.push(EpochMetrics {
                epoch,
                train_accuracy,
                train_loss,
                test_accuracy,
                test_loss: Some(test_loss),
                seconds: start.elapsed().as_secs_f64(),
                steps: order.len().div_ceil(batch),
            });
        }
        out
    }
}
