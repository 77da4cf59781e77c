//! Q-AGREL, the algorithmic form (seed 002, Pozzi, Bohté & Roelfsema; docs/equations.md §3):
//! a feed-forward ReLU network with linear Q-value outputs learns from a reward alone.
//!
//! For a batch of inputs `x` (columns), the forward pass gives hidden rates
//! `h_k = relu(W_k h_{k−1} + b_k)` and Q values `q = W_L h_{L−1} + b_L`. A policy selects one
//! output `s` per sample, the environment pays `r`, and `δ = r − q_s`. Only the selected output
//! sends feedback: the attention signal starts as `a_L = e_s` (one-hot) and travels down through
//! the feedback matrices, gated by each layer's ReLU derivative,
//! `a_k = relu'(h_k) ⊙ (B_k a_{k+1})`. Every synapse then changes by the same four-factor rule
//! (pre · post-gate · δ · feedback; the paper's eqs. 8–14), averaged over the batch:
//!
//! ```text
//!     ΔW_k = (α/B) Σ_b δ_b a_{k,b} h_{k−1,b}ᵀ,     Δb_k = (α/B) Σ_b δ_b a_{k,b}
//! ```
//!
//! With symmetric feedback (`B_k = W_{k+1}ᵀ`) this is exactly the gradient step of ½δ² on the
//! selected output (tested against an independent backprop to 1e-10). Learned feedback starts
//! from its own random matrices and changes by the same rule with pre and post swapped,
//! `ΔB_k = (ΔW_{k+1})ᵀ`; fixed random feedback is feedback alignment.
//!
//! [`backprop_step`] is the error-backprop baseline on the same network (`backprop.rs`). This
//! issue-11 module is the core only (network, update, feedback modes, baseline); the paper's
//! protocol and the command-line wiring follow.

mod backprop;
mod fast;
mod learner;
pub mod protocol;

pub use backprop::backprop_step;
pub use fast::{FastNet, Real, Threads, View, product};
pub use learner::{BatchLearner, NetSpec, Precision, build, build_reference};

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, Uniform};

/// How the attention signal travels down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackMode {
    /// `B_k = W_{k+1}ᵀ` at every update.
    Symmetric,
    /// Own matrices from a random start, changed by the same rule as the forward weights.
    Learned,
    /// Own random matrices, never changed (feedback alignment).
    Fixed,
}

/// A Q-AGREL network: sizes `[n_0, …, n_L]`, ReLU hidden layers, linear outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct QagrelNet {
    /// Forward weights `W_k` (`n_{k+1} × n_k`).
    pub weights: Vec<DMatrix<f64>>,
    /// Biases (`None`: no biases, the paper's default).
    pub biases: Option<Vec<DVector<f64>>>,
    /// Feedback matrices `B_k` (`n_{k+1} × n_{k+2}`, carrying layer k+2's attention to layer
    /// k+1) for learned and fixed feedback.
    pub feedback: Option<Vec<DMatrix<f64>>>,
    /// The feedback mode.
    pub mode: FeedbackMode,
}

/// The activations of one forward pass: `h[0]` the input, `h[k]` layer k, the last the Q values
/// (all `n × B`).
pub type Activations = Vec<DMatrix<f64>>;

impl QagrelNet {
    /// Weights (and feedback matrices) drawn from U[−init, init] (0.05 in the paper) with
    /// `seed`; biases zero when `biases`.
    pub fn new(sizes: &[usize], init: f64, biases: bool, mode: FeedbackMode, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let u = Uniform::new_inclusive(-init, init).expect("finite bound");
        let layers = sizes.len() - 1;
        let weights = (0..layers)
            .map(|k| DMatrix::from_fn(sizes[k + 1], sizes[k], |_, _| u.sample(&mut rng)))
            .collect();
        let feedback = (mode != FeedbackMode::Symmetric).then(|| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xB5AD_4ECE_DA1C_E2A9);
            (0..layers.saturating_sub(1))
                .map(|k| DMatrix::from_fn(sizes[k + 1], sizes[k + 2], |_, _| u.sample(&mut rng)))
                .collect()
        });
        QagrelNet {
            weights,
            biases: biases.then(|| (0..layers).map(|k| DVector::zeros(sizes[k + 1])).collect()),
            feedback,
            mode,
        }
    }

    /// The forward pass for inputs `x` (`n_0 × B`).
    pub fn forward(&self, x: &DMatrix<f64>) -> Activations {
        let mut h = vec![x.clone()];
        let last = self.weights.len() - 1;
        for (k, w) in self.weights.iter().enumerate() {
            let mut a = w * &h[k];
            if let Some(b) = &self.biases {
                for mut col in a.column_iter_mut() {
                    col += &b[k];
                }
            }
            if k < last {
                a.apply(|v| *v = v.max(0.0));
            }
            h.push(a);
        }
        h
    }

    /// One Q-AGREL update from a forward pass `h`, the selected outputs `actions` and the
    /// rewards `rewards` (one per batch column), with learning rate `alpha`. Returns the `δ`s.
    pub fn update(
        &mut self,
        h: &Activations,
        actions: &[usize],
        rewards: &[f64],
        alpha: f64,
    ) -> Vec<f64> {
        let layers = self.weights.len();
        let batch = actions.len();
        let q = &h[layers];
        let delta: Vec<f64> = (0..batch)
            .map(|b| rewards[b] - q[(actions[b], b)])
            .collect();
        // Attention signals a_k (n_k × B), top down; the top one is e_s.
        let mut attention = vec![DMatrix::zeros(0, 0); layers + 1];
        let mut top = DMatrix::zeros(q.nrows(), batch);
        for (b, &s) in actions.iter().enumerate() {
            top[(s, b)] = 1.0;
        }
        attention[layers] = top;
        for k in (1..layers).rev() {
            let fb = match (&self.feedback, self.mode) {
                (Some(f), FeedbackMode::Learned | FeedbackMode::Fixed) => {
                    &f[k - 1] * &attention[k + 1]
                }
                _ => self.weights[k].transpose() * &attention[k + 1],
            };
            let gate = h[k].map(|v| if v > 0.0 { 1.0 } else { 0.0 });
            attention[k] = fb.component_mul(&gate);
        }
        // ΔW_k = (α/B) Σ_b δ_b a_{k+1,b} h_{k,b}ᵀ (layer index shifted: W_k feeds layer k+1).
        let scale = alpha / batch as f64;
        let mut changes = Vec::with_capacity(layers);
        for k in 0..layers {
            let mut post = attention[k + 1].clone();
            for (b, mut col) in post.column_iter_mut().enumerate() {
                col *= delta[b];
            }
            let dw = &post * h[k].transpose() * scale;
            if let Some(biases) = &mut self.biases {
                biases[k] += post.column_sum() * scale;
            }
            changes.push(dw);
        }
        if let (Some(f), FeedbackMode::Learned) = (&mut self.feedback, self.mode) {
            for (k, fk) in f.iter_mut().enumerate() {
                *fk += changes[k + 1].transpose();
            }
        }
        for (w, dw) in self.weights.iter_mut().zip(changes) {
            *w += dw;
        }
        delta
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // the independent backprop indexes several arrays in step
mod tests {
    use super::*;

    /// Backprop of L = (1/B) Σ_b ½ (r_b − q_{s_b, b})² written out independently: per sample,
    /// the chain rule with explicit loops over units (no matrices shared with the module),
    /// dL/dW_k accumulated; Q-AGREL with symmetric feedback must move every weight and bias by
    /// −α dL/dW to 1e-10 (the issue's bound; both are exact to rounding).
    #[test]
    fn symmetric_update_is_the_backprop_step_of_half_delta_squared() {
        let sizes = [5, 7, 4, 3];
        let batch = 6;
        let mut net = QagrelNet::new(&sizes, 0.5, true, FeedbackMode::Symmetric, 3);
        let biases = net.biases.as_mut().unwrap();
        for (k, b) in biases.iter_mut().enumerate() {
            for (i, v) in b.iter_mut().enumerate() {
                *v = 0.1 * ((i + k) as f64 - 1.5);
            }
        }
        let x = DMatrix::from_fn(5, batch, |i, b| ((i * 7 + b * 3) % 11) as f64 / 11.0 - 0.3);
        let actions = [0, 2, 1, 2, 0, 1];
        let rewards = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        let alpha = 0.3;
        let before = net.clone();
        let h = net.forward(&x);
        net.update(&h, &actions, &rewards, alpha);

        // Independent backprop, one sample at a time, with plain vectors.
        let layers = sizes.len() - 1;
        let mut grad_w: Vec<Vec<Vec<f64>>> = (0..layers)
            .map(|k| vec![vec![0.0; sizes[k]]; sizes[k + 1]])
            .collect();
        let mut grad_b: Vec<Vec<f64>> = (0..layers).map(|k| vec![0.0; sizes[k + 1]]).collect();
        for b in 0..batch {
            let mut acts: Vec<Vec<f64>> = vec![(0..5).map(|i| x[(i, b)]).collect()];
            let mut pre: Vec<Vec<f64>> = Vec::new();
            for k in 0..layers {
                let w = &before.weights[k];
                let bias = &before.biases.as_ref().unwrap()[k];
                let z: Vec<f64> = (0..sizes[k + 1])
                    .map(|i| bias[i] + (0..sizes[k]).map(|j| w[(i, j)] * acts[k][j]).sum::<f64>())
                    .collect();
                let out = if k + 1 < layers {
                    z.iter().map(|v| v.max(0.0)).collect()
                } else {
                    z.clone()
                };
                pre.push(z);
                acts.push(out);
            }
            // dL/dq = −(r − q_s) on the selected output, 0 elsewhere; (1/B) for the mean.
            let s = actions[b];
            let mut dz: Vec<f64> = vec![0.0; sizes[layers]];
            dz[s] = -(rewards[b] - acts[layers][s]) / batch as f64;
            for k in (0..layers).rev() {
                for i in 0..sizes[k + 1] {
                    grad_b[k][i] += dz[i];
                    for j in 0..sizes[k] {
                        grad_w[k][i][j] += dz[i] * acts[k][j];
                    }
                }
                if k > 0 {
                    let w = &before.weights[k];
                    dz = (0..sizes[k])
                        .map(|j| {
                            let g = (0..sizes[k + 1]).map(|i| w[(i, j)] * dz[i]).sum::<f64>();
                            if pre[k - 1][j] > 0.0 { g } else { 0.0 }
                        })
                        .collect();
                }
            }
        }
        let mut worst = 0.0f64;
        for k in 0..layers {
            for i in 0..sizes[k + 1] {
                for j in 0..sizes[k] {
                    let want = before.weights[k][(i, j)] - alpha * grad_w[k][i][j];
                    worst = worst.max((net.weights[k][(i, j)] - want).abs());
                }
                let want = before.biases.as_ref().unwrap()[k][i] - alpha * grad_b[k][i];
                worst = worst.max((net.biases.as_ref().unwrap()[k][i] - want).abs());
            }
        }
        assert!(worst <= 1e-10, "largest difference {worst}");
        assert!(
            (0..layers).any(|k| (&net.weights[k] - &before.weights[k]).norm() > 1e-3),
            "the update moved nothing"
        );
    }

    /// Learned feedback changes by the transpose of the forward change above it; fixed feedback
    /// never changes; symmetric has none.
    #[test]
    fn feedback_modes() {
        let x = DMatrix::from_fn(4, 3, |i, b| (i + b) as f64 / 6.0);
        for mode in [
            FeedbackMode::Learned,
            FeedbackMode::Fixed,
            FeedbackMode::Symmetric,
        ] {
            let mut net = QagrelNet::new(&[4, 6, 3], 0.5, false, mode, 1);
            let before = net.clone();
            let h = net.forward(&x);
            net.update(&h, &[0, 1, 2], &[1.0, 0.0, 1.0], 0.5);
            match mode {
                FeedbackMode::Learned => {
                    let dw = &net.weights[1] - &before.weights[1];
                    let db =
                        &net.feedback.as_ref().unwrap()[0] - &before.feedback.as_ref().unwrap()[0];
                    assert!((db - dw.transpose()).norm() < 1e-15);
                    assert!(dw.norm() > 1e-6);
                }
                FeedbackMode::Fixed => {
                    assert_eq!(net.feedback, before.feedback);
                    // The attention went through B, not Wᵀ: the same forward weights with
                    // symmetric feedback move the first layer differently.
                    let mut sym = before.clone();
                    sym.mode = FeedbackMode::Symmetric;
                    sym.feedback = None;
                    let h = sym.forward(&x);
                    sym.update(&h, &[0, 1, 2], &[1.0, 0.0, 1.0], 0.5);
                    assert!((&sym.weights[0] - &net.weights[0]).norm() > 1e-6);
                }
                FeedbackMode::Symmetric => assert!(net.feedback.is_none()),
            }
        }
    }
}
