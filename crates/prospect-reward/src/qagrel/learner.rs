//! What the paper's protocol needs of an algorithmic network, as one trait, so that the
//! protocol (batches, pixels, validation, stopping, metrics) knows neither the precision nor
//! the kernels of the network it trains. [`build`] makes the network a [`NetSpec`] describes.

use nalgebra::{DMatrix, DVector};

use super::fast::FastNet;
use super::{FeedbackMode, QagrelNet};

/// Numeric precision of an algorithmic network's weights and activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// 32-bit floats (the speed default of GEMM-bound runs).
    F32,
    /// 64-bit floats (what the equivalence tests use).
    F64,
}

/// An algorithmic Q-AGREL / backprop network: what a model file's `[network]` says.
#[derive(Debug, Clone, PartialEq)]
pub struct NetSpec {
    /// Layer sizes `[n_0, …, n_L]` (e.g. 784-300-100-10).
    pub sizes: Vec<usize>,
    /// Weights and feedback matrices drawn from U[−init, init] (0.05 in the paper).
    pub init: f64,
    /// With biases (zero at the start); the paper has none.
    pub biases: bool,
    /// How the attention signal travels down (unused by backprop).
    pub feedback: FeedbackMode,
    /// Precision of weights and activations.
    pub precision: Precision,
    /// Threads of the matrix products (1 or more).
    pub threads: usize,
}

/// A network trained batch by batch. Inputs and Q values are column-major, one column per
/// sample; the last [`forward`](BatchLearner::forward) is what the next update learns from.
pub trait BatchLearner: Send {
    /// Layer sizes `[n_0, …, n_L]`.
    fn sizes(&self) -> &[usize];
    /// Forward pass of `batch` inputs `x` (`n_0 × batch`); keeps the activations for the
    /// next update and writes the Q values (`n_L × batch`) into `q`.
    fn forward(&mut self, x: &[f32], batch: usize, q: &mut [f64]);
    /// One Q-AGREL update (paper eqs. 8–14, `δ = r − q_s`, batch-averaged) from the last
    /// forward pass: `actions[b]` selected, `rewards[b]` paid, learning rate `alpha`.
    fn update_qagrel(&mut self, actions: &[usize], rewards: &[f64], alpha: f64);
    /// One backprop step of `(1/B) Σ_b ½ ‖y_b − q_b‖²` (one-hot `labels`) from the last
    /// forward pass; returns that loss before the step.
    fn update_backprop(&mut self, labels: &[usize], alpha: f64) -> f64;
    /// The forward weights `W_k` (`n_{k+1} × n_k`) as f64, for traces and tests.
    fn weights(&self) -> Vec<DMatrix<f64>>;
    /// The feedback matrices `B_k` (`n_{k+1} × n_{k+2}`) of learned and fixed feedback.
    fn feedback(&self) -> Option<Vec<DMatrix<f64>>>;
    /// The biases `b_k` (`n_{k+1}`) as f64, when the network has them (added after the
    /// contract was first written, so it has a default: `None`, right for a learner without
    /// biases; both networks of [`build`] and [`build_reference`] override it).
    fn biases(&self) -> Option<Vec<DVector<f64>>> {
        None
    }
}

/// The network `spec` describes, weights drawn with `seed`: the fast kernels (`fast/`) in the
/// spec's precision on `spec.threads` threads, starting from the reference network's weights
/// (drawn in f64, rounded to f32 for [`Precision::F32`]).
pub fn build(spec: &NetSpec, seed: u64) -> Box<dyn BatchLearner> {
    let net = QagrelNet::new(&spec.sizes, spec.init, spec.biases, spec.feedback, seed);
    match spec.precision {
        Precision::F32 => Box::new(FastNet::<f32>::from_reference(&net, spec.threads)),
        Precision::F64 => Box::new(FastNet::<f64>::from_reference(&net, spec.threads)),
    }
}

/// The plain f64 network (`mod.rs`, nalgebra) behind the same trait, whatever `spec.precision`
/// and `spec.threads` say: the reference the fast kernels are tested against (slow).
pub fn build_reference(spec: &NetSpec, seed: u64) -> Box<dyn BatchLearner> {
    Box::new(Reference {
        net: QagrelNet::new(&spec.sizes, spec.init, spec.biases, spec.feedback, seed),
        sizes: spec.sizes.clone(),
        h: Vec::new(),
    })
}

/// The plain f64 network of `mod.rs` behind the trait (the reference the fast kernels are
/// tested against).
struct Reference {
    net: QagrelNet,
    sizes: Vec<usize>,
    h: super::Activations,
}

impl BatchLearner for Reference {
    fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    fn forward(&mut self, x: &[f32], batch: usize, q: &mut [f64]) {
        let x = DMatrix::from_iterator(self.sizes[0], batch, x.iter().map(|&v| f64::from(v)));
        self.h = self.net.forward(&x);
        q.copy_from_slice(self.h.last().expect("output layer").as_slice());
    }

    fn update_qagrel(&mut self, actions: &[usize], rewards: &[f64], alpha: f64) {
        self.net.update(&self.h, actions, rewards, alpha);
    }

    fn update_backprop(&mut self, labels: &[usize], alpha: f64) -> f64 {
        super::backprop_step(&mut self.net, &self.h, labels, alpha)
    }

    fn weights(&self) -> Vec<DMatrix<f64>> {
        self.net.weights.clone()
    }

    fn feedback(&self) -> Option<Vec<DMatrix<f64>>> {
        self.net.feedback.clone()
    }

    fn biases(&self) -> Option<Vec<DVector<f64>>> {
        self.net.biases.clone()
    }
}
